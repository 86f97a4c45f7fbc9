"""The core never imports the UI libraries, and the CLI's --help never imports torch."""

import subprocess
import sys


def modules_after(code: str) -> set[str]:
    marker = "MODULES:"
    out = subprocess.run([sys.executable, "-c", code + f"\nimport sys; print({marker!r} + ' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.rsplit(marker, 1)[1].split())


def test_core_imports_neither_textual_nor_rich():
    mods = modules_after("import lstm_tui.api, lstm_tui.core.training, lstm_tui.core.generation")
    assert "torch" in mods
    assert not {m for m in mods if m.split(".")[0] in ("textual", "rich")}


def test_help_does_not_import_torch():
    code = ("import sys; from lstm_tui.cli import main\n"
            "for argv in (['--help'], ['train', '--help'], ['generate', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass")
    mods = modules_after(code)
    assert "torch" not in mods and "textual" not in mods


def test_package_import_is_lazy():
    mods = modules_after("import lstm_tui")
    assert "torch" not in mods


def test_listing_models_does_not_import_torch(tmp_path):
    # Listing reads only JSON; importing torch took 9 s on a busy machine.
    code = (f"import os; os.environ['XDG_DATA_HOME'] = {str(tmp_path)!r}\n"
            "from lstm_tui.cli import main; main(['models', '--json'])")
    assert "torch" not in modules_after(code)


def test_checking_train_options_does_not_import_torch(tmp_path):
    # A mistyped option is refused before torch loads (seconds on a busy machine).
    code = (f"import os; os.environ['XDG_DATA_HOME'] = {str(tmp_path)!r}\n"
            "from lstm_tui.cli import main\n"
            "try:\n    main(['train', 'x.txt', '--name', 'a', '--lr', '-1'])\nexcept SystemExit:\n    pass")
    assert "torch" not in modules_after(code)

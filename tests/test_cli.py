import json
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_tui.cli import main


def run(*args, input=None):
    return subprocess.run([sys.executable, "-m", "lstm_tui", *args], capture_output=True, text=True,
                          input=input)


def call(capsys, *args) -> subprocess.CompletedProcess:
    """The command in this process: what run() gives, without a new process's seconds
    of importing torch (the entry point itself is run()'s to test)."""
    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_help_explains_every_command(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for command in ("train", "generate", "eval", "models", "bench"):
        assert command in out


def test_train_help_ends_with_examples_a_writer_can_copy(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    examples = out[out.index("examples:"):]
    assert "lstm-tui train ~/notes --preview" in examples and "--from default --name" in examples


def test_generate_json(tiny_bundle, capsys):
    done = call(capsys, "generate", "--model", str(tiny_bundle), "--prompt", "The river", "--max-tokens", "6",
               "--seed", "1", "--beam", "3", "--alternatives", "2", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"text", "logprob", "tokens", "alternatives", "device", "model"}
    assert out["device"] == "cpu" and out["tokens"] >= 1 and len(out["alternatives"]) <= 1


def test_generate_streams_from_stdin(tiny_bundle):
    done = run("generate", "--model", str(tiny_bundle), "--max-tokens", "5", "--temperature", "0",
               "--min-confidence", "0", "--continue-confidence", "0", input="She walked slowly")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("\n") and len(done.stdout) > 1


def test_the_newline_that_ends_piped_input_is_not_part_of_the_prompt(tiny_bundle, capsys, monkeypatch):
    """`echo "Dear Sir," | lstm-tui generate` continues "Dear Sir," (echo's newline
    stayed in the prompt, and the continuation began a new paragraph)."""
    import io

    args = ("generate", "--model", str(tiny_bundle), "--max-tokens", "6", "--temperature", "0",
            "--min-confidence", "0", "--continue-confidence", "0", "--json")
    typed = call(capsys, *args, "--prompt", "She walked slowly")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"She walked slowly\n")))
    piped = call(capsys, *args)
    assert typed.returncode == piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout) == json.loads(typed.stdout)  # the text and its odds


def test_eval_json_and_bad_files(tiny_bundle, tmp_path, capsys):
    good = tmp_path / "g.txt"
    good.write_text("The water was high after the rain.\n")
    (tmp_path / "b.bin").write_bytes(b"\x00\xff" * 10)
    done = call(capsys, "eval", "--model", str(tiny_bundle), str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["bits_per_byte"] > 0 and len(out["files"]) == 1
    assert "skipped" in done.stderr and "b.bin: binary" in done.stderr
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "x.bin").write_bytes(b"\x00" * 9)
    done = call(capsys, "eval", "--model", str(tiny_bundle), str(only_bad))
    assert done.returncode == 2 and done.stderr.count("\n") <= 2 and "no readable text" in done.stderr


def test_corrupt_model_is_one_line_error(tiny_bundle, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle, broken)
    (broken / "model.safetensors").write_bytes(b"garbage")
    done = call(capsys, "generate", "--model", str(broken), "--prompt", "x")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "model.safetensors" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_device_is_one_line_error(tiny_bundle, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    done = call(capsys, "generate", "--model", str(tiny_bundle), "--prompt", "x", "--device", "cuda")
    assert done.returncode == 2 and "cuda" in done.stderr and "Traceback" not in done.stderr


def test_models_lists_shipped_and_user(tiny_bundle, user_dirs, capsys):
    import shutil

    from lstm_tui import paths

    shutil.copytree(tiny_bundle, paths.user_models_dir() / "mine")
    assert main(["models", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    by_name = {e["name"]: e for e in entries}
    assert by_name["mine"]["kind"] == "user"
    assert by_name["default"]["kind"] == "shipped"


def test_models_say_what_they_were_trained_on_in_a_unit_that_fits(tiny_bundle, user_dirs, capsys):
    import shutil

    from lstm_tui import paths

    for name, files, size in (("notes", 14, 43_100), ("mail", 1, 900)):
        folder = paths.user_models_dir() / name
        shutil.copytree(tiny_bundle, folder)
        card = json.loads((folder / "card.json").read_text())
        card["data"] = {"files": files, "bytes": size}
        (folder / "card.json").write_text(json.dumps(card))
    assert main(["models", "--json"]) == 0
    trained_on = {e["name"]: e["trained_on"] for e in json.loads(capsys.readouterr().out)}
    assert trained_on["notes"] == "14 files, 43.1 KB"  # was "14 files, 0.0 MB"
    assert trained_on["mail"] == "1 file, 900 bytes"  # was "1 files, 0.0 MB"


def test_models_says_which_a_stopped_run_left_unfinished(tiny_bundle, user_dirs, capsys):
    import shutil

    from lstm_tui import paths

    folder = paths.user_models_dir() / "halfway"
    shutil.copytree(tiny_bundle, folder)
    card = json.loads((folder / "card.json").read_text())
    card["unfinished"] = {"step": 9, "resume": "lstm-tui train --name halfway --resume"}
    (folder / "card.json").write_text(json.dumps(card))
    assert main(["models"]) == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in capsys.readouterr().out.splitlines()}
    assert rows["halfway"][1] == "user, unfinished"
    assert main(["models", "--json"]) == 0
    by_name = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert by_name["halfway"]["unfinished"]["step"] == 9


def test_default_model_loads_and_generates():
    from lstm_tui import SamplingConfig, load_model

    lm = load_model(device="cpu")
    text = lm.complete("It was a", SamplingConfig(max_tokens=4, seed=0)).text
    assert isinstance(text, str) and lm.tokenizer.vocab_size == lm.bundle.config.vocab_size
    assert lm.label == "default"  # as --model and the models list call it, whatever its card says


def test_a_fine_tune_of_the_shipped_model_names_its_parent_default(tiny_bundle, user_dirs, capsys, tiny_lm):
    import shutil

    from lstm_tui import paths

    folder = paths.user_models_dir() / "mine"
    shutil.copytree(tiny_bundle, folder)
    card = json.loads((folder / "card.json").read_text())
    card |= {"parent": "modern-w640", "parent_path": str(paths.default_bundle())}
    (folder / "card.json").write_text(json.dumps(card))
    assert main(["models", "--json"]) == 0
    assert {e["name"]: e for e in json.loads(capsys.readouterr().out)}["mine"]["parent"] == "default"
    assert tiny_lm.label == tiny_lm.name  # another model: its own name


@pytest.mark.parametrize("bad,message", [(["--dropout", "1"], "--dropout"), (["--batch-size", "0"], "--batch-size"),
                                         (["--val-fraction", "0.9"], "--val-fraction"),
                                         (["--weight-drop", "1.5"], "--weight-drop must be in [0, 1)"),
                                         (["--layers", "0"], "--layers must be")])
def test_bad_training_arguments_are_one_line_errors(tiny_corpus, capsys, bad, message):
    assert main(["train", str(tiny_corpus), "--name", "x", *bad]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_fine_tune_checks_the_rates_it_is_given(tiny_corpus, tiny_bundle, capsys):
    assert main(["train", str(tiny_corpus), "--name", "x", "--from", str(tiny_bundle), "--embed-drop", "1"]) == 2
    err = capsys.readouterr().err
    assert "--embed-drop must be in [0, 1)" in err and err.count("\n") == 1


def test_eval_adapt_learns_from_the_text(tiny_bundle, tmp_path, capsys):
    text = tmp_path / "new.txt"
    text.write_text("Heathcliff said the moor was wild, and Nelly went up the hill. " * 6)
    static = json.loads(call(capsys, "eval", "--model", str(tiny_bundle), str(text), "--json").stdout)
    done = call(capsys, "eval", "--model", str(tiny_bundle), str(text), "--json", "--adapt")
    assert done.returncode == 0, done.stderr
    adapted = json.loads(done.stdout)
    assert adapted["adapt"] is True and static["adapt"] is False
    assert adapted["bits_per_byte"] < static["bits_per_byte"]


def test_models_listing_shows_card_fields_as_plain_text(tiny_bundle, user_dirs, capsys):
    import shutil

    from lstm_tui import paths

    folder = paths.user_models_dir() / "odd"
    shutil.copytree(tiny_bundle, folder)
    card = json.loads((folder / "card.json").read_text())
    card.update(parent="\x1b]0;pwned\x07[/bold]x", data={"description": "[/] \x1b[31mred"}, parameters="9")
    (folder / "card.json").write_text(json.dumps(card))
    assert main(["models"]) == 0
    out = capsys.readouterr()
    assert "\x1b" not in out.out and "\x07" not in out.out and "\\x1b" in out.out  # shown escaped
    assert "'parameters' is not a number" in out.err


def test_models_listing_prints_whole_names_when_piped_and_on_a_narrow_terminal(tiny_bundle, user_dirs,
                                                                                capsys, monkeypatch):
    import shutil

    from lstm_tui import paths

    name = "git-2m-release-notes-finetuned-" + "x" * 40
    shutil.copytree(tiny_bundle, paths.user_models_dir() / name)
    assert main(["models"]) == 0  # captured: not a terminal
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:3] == ["name", "kind", "on your writing"]
    assert name in [line.split("\t")[0] for line in lines[1:]]
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["models"]) == 0
    shown = capsys.readouterr().out
    assert "\u2026" not in shown  # folded onto more lines, not cut
    assert name in "".join(line.split("\u2502")[1].strip() for line in shown.splitlines() if "\u2502" in line)


@pytest.mark.slow
def test_bench_measures_the_shipped_model_unless_asked_for_random_weights():
    done = run("bench", "--json", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["model"] != "random" and out["keystroke_first_token_p95_ms"] > 0
    assert out["keystroke_policy_off_p95_ms"] > 0


@pytest.mark.parametrize("extra,named", [(["--batch-size", "8"], "--batch-size"), (["--lr", "0.1"], "--lr"),
                                         (["some/path"], "PATH"), (["--from", "default"], "--from")])
def test_resume_refuses_options_it_would_ignore(capsys, extra, named):
    assert main(["train", "--name", "run1", "--resume", *extra]) == 2
    err = capsys.readouterr().err
    assert named in err and "--resume continues" in err and err.count("\n") == 1


def test_resume_takes_options_about_running_and_a_budget_only(capsys):
    # Past the option check: the run does not exist, which is the next error.
    assert main(["train", "--name", "run1", "--resume", "--threads", "1", "--device", "cpu", "--steps", "9"]) == 2
    assert "no earlier run of this name" in capsys.readouterr().err


@pytest.mark.parametrize("bad,message", [(["--temperature", "inf"], "--temperature must be a finite number"),
                                         (["--temperature", "1e-300"], "--temperature must be 0 (greedy) or"),
                                         (["--repetition-penalty", "1e-300"], "--repetition-penalty must be"),
                                         (["--seed", str(2 ** 70)], "--seed must be between"),
                                         (["--min-confidence", "2"], "--min-confidence must be in [0, 1]")])
def test_bad_sampling_options_are_one_line_errors(capsys, bad, message):
    assert main(["generate", "--prompt", "x", *bad]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_deleting_a_model_removes_its_run_and_renaming_takes_it_along(tiny_bundle):
    import shutil

    from lstm_tui import paths
    from lstm_tui.catalog import delete_model, rename_model

    shutil.copytree(tiny_bundle, paths.user_models_dir() / "mine")
    run = paths.runs_dir() / "mine"
    run.mkdir(parents=True)
    (run / "checkpoint.pt").write_bytes(b"the training text, in effect")
    old_output = paths.user_models_dir() / "mine"
    (run / "run.json").write_text(json.dumps({"name": "mine", "output": str(old_output), "run_dir": str(run),
                                              "paths": ["/notes"], "lr": 0.002}))
    card = json.loads((old_output / "card.json").read_text())
    (old_output / "card.json").write_text(json.dumps(card | {"name": "mine"}))
    rename_model("mine", "ours")
    assert not run.exists() and (paths.runs_dir() / "ours" / "checkpoint.pt").exists()
    # The status bar and F3 named the old name after a rename and a restart, and a
    # resumed run wrote a model of the old name again.
    from lstm_tui.core.bundle import load_bundle

    assert load_bundle(paths.user_models_dir() / "ours").name == "ours"
    options = json.loads((paths.runs_dir() / "ours" / "run.json").read_text())
    assert options == {"name": "ours", "output": str(paths.user_models_dir() / "ours"),
                       "run_dir": str(paths.runs_dir() / "ours"), "paths": ["/notes"], "lr": 0.002}
    delete_model("ours")
    assert not (paths.runs_dir() / "ours").exists() and not (paths.user_models_dir() / "ours").exists()


@pytest.mark.parametrize(("data", "error"), [
    (bytes(range(128, 256)) * 8, "stdin: not UTF-8 text (byte 0x80 at offset 0)"),
    (b"Dear Sir,\0\0", "stdin: binary data (a NUL byte at offset 9)")])
def test_binary_stdin_is_one_line(tiny_bundle, data, error):
    done = subprocess.run([sys.executable, "-m", "lstm_tui", "generate", "--model", str(tiny_bundle)],
                          capture_output=True, input=data)
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines() == [f"lstm-tui: error: {error}"]


def test_an_empty_model_name_is_refused(capsys):
    assert main(["generate", "--model", "", "--prompt", "x"]) == 2
    assert capsys.readouterr().err.strip() == ("lstm-tui: error: an empty model name; give a name, "
                                               "a folder, or 'default'")


def test_eval_reads_a_hard_wrapped_book_as_training_does(tiny_bundle, tmp_path, capsys):
    import textwrap

    paragraph = ("The water was high after the rain, and the road to the mill ran under it for a mile "
                 "or more, so that the carts went round by the church and the old bridge. ") * 3
    book = tmp_path / "book.txt"
    book.write_text("\n\n".join(textwrap.fill(paragraph, 70) for _ in range(40)) + "\n")
    rows = {}
    for extra in ([], ["--keep-line-breaks"]):
        done = call(capsys, "eval", "--model", str(tiny_bundle), str(book), "--json", *extra)
        assert done.returncode == 0, done.stderr
        rows[bool(extra)] = json.loads(done.stdout)["files"][0]
    assert rows[False]["unwrapped"] and not rows[True]["unwrapped"]
    assert rows[False]["bits_per_byte"] != rows[True]["bits_per_byte"]


def test_train_options_and_their_defaults_come_from_train_options():
    import argparse
    from dataclasses import MISSING, fields

    from lstm_tui.core.train_options import TrainOptions
    from lstm_tui.train_cli import add_train_args

    parser = argparse.ArgumentParser()
    add_train_args(parser)
    given = vars(parser.parse_args(["--name", "x"]))
    told = parser.format_help()
    for spec in fields(TrainOptions):
        if "help" in spec.metadata:
            assert spec.name in given, f"TrainOptions.{spec.name} has help but no option"
        plain = spec.default not in (None, MISSING) and not isinstance(spec.default, (bool, tuple))
        if spec.name in given and plain:
            assert given[spec.name] == spec.default, spec.name
    assert "truncated BPTT window in tokens (default: 64)" in " ".join(told.split())


def test_generate_says_why_it_printed_nothing(tiny_bundle, capsys):
    """The policy held the continuation back: one line on stderr says so and how to get
    one anyway (the README's own examples printed nothing, without a word)."""
    from lstm_tui.cli import UNSURE_HINT

    for json_flag in ([], ["--json"]):
        held = call(capsys, "generate", "--model", str(tiny_bundle), "--prompt", "The river",
                    "--min-confidence", "1", *json_flag)
        assert held.returncode == 0 and held.stderr.splitlines() == [UNSURE_HINT]
        shown = call(capsys, "generate", "--model", str(tiny_bundle), "--prompt", "The river",
                     "--min-confidence", "0", "--continue-confidence", "0", "--max-tokens", "4", *json_flag)
        assert shown.returncode == 0 and shown.stderr == ""  # nothing held back: no hint


TINY_TRAIN = ["--steps", "2", "--hidden-dim", "16", "--embed-dim", "16", "--layers", "1", "--vocab-size", "400",
              "--batch-size", "2", "--seq-len", "8", "--device", "cpu"]


def run_isolated(user_dirs, *args):
    """run() with the user's folders (runs, caches) inside the test's own tmp_path:
    the autouse fixture's patch does not reach a child process."""
    import os

    env = {**os.environ, **{f"XDG_{kind.upper()}_HOME": str(user_dirs / "xdg" / kind)
                            for kind in ("data", "config", "cache", "state")}}
    return subprocess.run([sys.executable, "-m", "lstm_tui", *args], capture_output=True, text=True, env=env,
                          check=False)


@pytest.mark.parametrize("force", [False, True])
def test_train_output_never_replaces_a_folder_of_other_files(tiny_corpus, tmp_path, user_dirs, force):
    essays = tmp_path / "essays"
    (essays / "sub").mkdir(parents=True)
    (essays / "e1.txt").write_text("my essay\n")
    (essays / "sub" / "e2.txt").write_text("x\n")
    before = sorted(p.relative_to(essays) for p in essays.rglob("*"))
    done = run_isolated(user_dirs, "train", str(essays), str(tiny_corpus), "--name", "o2", "--output", str(essays),
                        *TINY_TRAIN, *(["--force"] if force else []))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"lstm-tui: error: {essays}: holds files that are not part of a model "
                                   "('e1.txt', 'sub'); a model is written to a new folder, or over one holding "
                                   "only a model (with --force)")
    assert sorted(p.relative_to(essays) for p in essays.rglob("*")) == before
    assert (essays / "e1.txt").read_text() == "my essay\n"


def test_train_output_replaces_a_model_only_with_force(tiny_corpus, tmp_path, user_dirs):
    out = tmp_path / "out"
    made = run_isolated(user_dirs, "train", str(tiny_corpus), "--name", "o3", "--output", str(out), *TINY_TRAIN)
    assert made.returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["card.json", "config.json", "model.safetensors",
                                                      "tokenizer.model"]
    again = run_isolated(user_dirs, "train", str(tiny_corpus), "--name", "o3", "--output", str(out), *TINY_TRAIN)
    assert again.returncode == 2 and "a model is there already; use --force" in again.stderr
    assert run_isolated(user_dirs, "train", str(tiny_corpus), "--name", "o3", "--output", str(out), *TINY_TRAIN,
               "--force").returncode == 0



def test_a_trained_model_is_private_whatever_the_umask(tiny_corpus, tmp_path, user_dirs):
    import os

    old = os.umask(0o022)  # the child inherits it
    try:
        done = run_isolated(user_dirs, "train", str(tiny_corpus), "--name", "mine", *TINY_TRAIN)
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    models = user_dirs / "xdg" / "data" / "lstm-tui" / "models"
    modes = {p.name: p.stat().st_mode & 0o777 for p in (models, models / "mine", *(models / "mine").iterdir())}
    assert modes == {"models": 0o700, "mine": 0o700, "card.json": 0o600, "config.json": 0o600,
                     "model.safetensors": 0o600, "tokenizer.model": 0o600}


def _without_root_reading() -> None:
    """In the child before exec: drop root's power to ignore a mode (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH), so a folder of mode 000 is refused as for any other user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_unprivileged(user_dirs, *args):
    """run_isolated(), as a user whom a 000 mode stops: root loses the capabilities
    that would read it anyway; skipped where they cannot be dropped."""
    import os

    env = {**os.environ, **{f"XDG_{kind.upper()}_HOME": str(user_dirs / "xdg" / kind)
                            for kind in ("data", "config", "cache", "state")}}
    preexec = _without_root_reading if os.geteuid() == 0 else None
    try:
        return subprocess.run([sys.executable, "-m", "lstm_tui", *args], capture_output=True, text=True,
                              env=env, preexec_fn=preexec, check=False)
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop root's read capabilities here ({exc})")


@pytest.fixture
def locked_models(tiny_bundle, user_dirs):
    """The user's models folder (as the child sees it) with a good model and one of mode 000."""
    import shutil

    models = user_dirs / "xdg" / "data" / "lstm-tui" / "models"
    shutil.copytree(tiny_bundle, models / "good")
    shutil.copytree(tiny_bundle, models / "locked")
    (models / "locked").chmod(0o000)
    yield models
    (models / "locked").chmod(0o700)
    models.chmod(0o700)


def test_models_lists_the_rest_when_a_model_folder_cannot_be_read(locked_models, user_dirs):
    done = run_unprivileged(user_dirs, "models")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [(f"lstm-tui: warning: {locked_models / 'locked' / 'config.json'}: cannot "
                                         "be read (Permission denied); the model cannot be used")]
    assert all(name in done.stdout for name in ("default", "good", "locked"))


def test_an_unreadable_models_folder_is_one_line_and_the_shipped_model_still_listed(locked_models, user_dirs):
    locked_models.chmod(0o000)
    listed = run_unprivileged(user_dirs, "models", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [e["name"] for e in json.loads(listed.stdout)] == ["default"]
    assert listed.stderr.splitlines() == [(f"lstm-tui: warning: {locked_models}: cannot list your models "
                                           "(Permission denied)")]
    generated = run_unprivileged(user_dirs, "generate", "--model", "good", "--prompt", "The", "--device", "cpu")
    assert generated.returncode == 2
    assert generated.stderr.splitlines() == [(f"lstm-tui: error: {locked_models / 'good'}: cannot be read "
                                              "(Permission denied)")]


@pytest.mark.parametrize("args, message", [
    (["generate", "--prompt", "x", "--beam", "1000000"], "--beam must be an integer from 1 to 128, not 1000000"),
    (["generate", "--prompt", "x", "--max-tokens", "1000000"], "--max-tokens must be an integer from 1 to 1,000"),
    (["generate", "--prompt", "x", "--alternatives", "1000"], "--alternatives must be an integer from 1 to 16"),
    (["train", "x", "--name", "big", "--batch-size", "1000000"], "--batch-size must be from 1 to 4,096"),
    (["train", "x", "--name", "big", "--hidden-dim", "30000", "--layers", "60"], "would hold"),
])
def test_sizes_beyond_their_limits_are_one_line_before_any_work(args, message, user_dirs):
    done = run_isolated(user_dirs, *args)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("lstm-tui: error: ") and message in done.stderr


def test_file_names_with_escape_sequences_are_printed_escaped(tiny_corpus, tiny_bundle, tmp_path, user_dirs):
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "good.txt").write_text((tiny_corpus / "a.txt").read_text())
    (texts / "evil\x1b]0;pwned\x07.txt").write_bytes(b"\x00\x01binary")
    shown = "evil\\x1b]0;pwned\\x07.txt"
    evaluated = run_isolated(user_dirs, "eval", str(texts), "--model", str(tiny_bundle), "--device", "cpu")
    assert evaluated.returncode == 0, evaluated.stderr
    trained = run_isolated(user_dirs, "train", str(texts), str(tiny_corpus), "--name", "esc", *TINY_TRAIN)
    assert trained.returncode == 0, trained.stderr
    for done in (evaluated, trained):
        assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout + done.stderr
        assert f"skipped {texts / shown}" in done.stderr
    refused = run_isolated(user_dirs, "eval", str(texts / "evil\x1b]0;pwned\x07.txt"), "--model", str(tiny_bundle))
    assert refused.returncode == 2 and "\x1b" not in refused.stderr and shown in refused.stderr


def test_generate_continues_without_flags_and_suggests_when_asked(tiny_bundle, capsys):
    """`lstm-tui generate --prompt ...` printed nothing: its defaults were the editor's
    gate. A command named generate generates; --suggest asks for the editor's policy."""
    from lstm_tui.core.config import GENERATE, SamplingConfig

    done = call(capsys, "generate", "--model", str(tiny_bundle), "--prompt", "The river", "--seed", "1",
                "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["text"].strip() and done.stderr == ""
    assert GENERATE.min_confidence == GENERATE.continue_confidence == 0 and GENERATE.stop_at == "none"
    from lstm_tui.cli import _sampling, build_parser

    args = build_parser().parse_args(["generate", "--suggest", "--max-tokens", "5"])
    assert _sampling(args) == SamplingConfig(max_tokens=5)  # the editor's, with what was given
    args = build_parser().parse_args(["generate", "--temperature", "0"])
    assert _sampling(args) == GENERATE.replace(temperature=0.0)


@pytest.mark.parametrize("stopped", [False, True])
def test_the_training_bar_shows_the_trainers_eta_and_ends_where_the_run_ended(capsys, stopped):
    """The ETA was "-:--:--" for a whole run; a run stopped at step 4 was drawn at 100%;
    after "done", the bar printed once more with an older step."""
    from lstm_tui.train_cli import RichReport

    with RichReport() as report:
        report({"event": "start", "params": 1000, "device": "cpu", "budget": {"steps": 10}})
        for step in (1, 2, 3, 4):
            report({"event": "progress", "step": step, "epoch": 0, "loss": 5.0, "tokens_per_second": 900.0,
                    "fraction": step / 10, "eta_seconds": 600.0 * (10 - step)})
        assert report.bar.tasks[0].fields["eta"] == "1:00:00"  # 6 steps of 10 minutes left
        report({"event": "done", "steps": 4 if stopped else 10, "stopped": stopped, "best_bpb": 2.0,
                "output": "/m", "tokens": 99})
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    bars = [line for line in lines if line.startswith("training")]
    assert len(bars) == 1  # drawn once at the end (not a terminal), never again after "done"
    if stopped:
        assert "40%" in bars[0] and "step 4 (stopped)" in bars[0] and "done" not in lines[-1]
    else:
        assert "100%" in bars[0] and "step 10" in bars[0] and lines[-1].startswith("done: best validation")


def test_the_training_bar_shows_the_closing_measurement(capsys):
    """The measurement after a fine-tune took minutes on a busy machine with the bar at
    "100% 0:00:00": it has a bar of its own now."""
    from lstm_tui.train_cli import RichReport

    with RichReport() as report:
        report({"event": "start", "params": 1000, "device": "cpu", "budget": {"steps": 10}})
        report({"event": "progress", "step": 10, "epoch": 0, "loss": 5.0, "tokens_per_second": 900.0,
                "fraction": 1.0, "eta_seconds": 0.0})
        report({"event": "measuring", "fraction": 0.25})
        task = report.bar.tasks[0]
        assert task.description == "measuring" and task.completed == 0.25
        assert task.fields["info"] == "suggestions on your held-out text"
        report({"event": "done", "steps": 10, "stopped": False, "best_bpb": 2.0, "output": "/m", "tokens": 99})
        assert report.bar.tasks[0].description == "training"


def test_the_version_is_pyprojects(capsys):
    """Written once, in pyproject.toml (it was also in lstm_tui/__init__.py)."""
    import tomllib

    import lstm_tui

    declared = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["version"]
    assert lstm_tui.__version__ == declared
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"lstm-tui {declared}"


def test_eval_and_generate_run_a_fine_tuned_model_alone_with_no_mix(tmp_path, capsys):
    from lstm_tui import paths
    from lstm_tui.core.bundle import load_bundle, save_bundle
    from lstm_tui.core.config import ModelConfig
    from lstm_tui.core.model import LSTMLanguageModel

    shipped = load_bundle(paths.default_bundle())
    model = LSTMLanguageModel(ModelConfig(vocab_size=shipped.config.vocab_size, embed_dim=8, hidden_dim=8,
                                          num_layers=1, dropout=0.0))
    save_bundle(model, shipped.tokenizer, tmp_path / "mine", {"parent": "default"})
    text = tmp_path / "t.txt"
    text.write_text("Thank you for your letter of the fifth. I will write again soon.\n")
    results = {}
    for extra in ([], ["--no-mix"]):
        assert main(["eval", "--json", "--device", "cpu", "--model", str(tmp_path / "mine"), *extra, str(text)]) == 0
        results[bool(extra)] = json.loads(capsys.readouterr().out)
    assert results[False]["mixed"] and not results[True]["mixed"]
    # Alone, an untrained model is far worse than together with the shipped one.
    assert results[True]["bits_per_byte"] > results[False]["bits_per_byte"] + 1
    assert main(["generate", "--json", "--device", "cpu", "--model", str(tmp_path / "mine"), "--no-mix",
                 "--max-tokens", "3", "--prompt", "Dear"]) == 0

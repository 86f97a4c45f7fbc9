from lstm_tui.core.events import eval_line


def test_eval_line_names_both_weights_when_averaged():
    e = {"event": "eval", "step": 600, "val_bpb": 1.49791, "improved": True,
         "raw_bpb": 1.49791, "average_bpb": 1.49818}
    assert eval_line(e) == ("step 600: validation 1.4979 bits/byte (raw 1.4979, average 1.4982) "
                            "(best, saved)")
    parent = {"event": "eval", "step": 0, "val_bpb": 1.5, "improved": False, "parent": True}
    assert eval_line(parent, parent_label="parent model") == "parent model: validation 1.5000 bits/byte"


def test_every_event_a_run_emits_is_its_kinds_type(tmp_path, tiny_corpus):
    """The contract between the run and its three readers (the CLI, the training
    screen, the log lines): each kind's fields as core.events types them. (A
    fine-tune's own kinds, measuring and gain, are held to it in test_training.py.)"""
    from lstm_tui.core.events import KINDS, check
    from lstm_tui.core.train_options import TrainOptions
    from lstm_tui.core.training import TrainingRun

    events = []
    opts = TrainOptions(paths=(str(tiny_corpus),), name="t", output=str(tmp_path / "out"),
                        run_dir=str(tmp_path / "run"), cache_dir=str(tmp_path / "cache"), steps=6, eval_every=3,
                        batch_size=4, seq_len=16, warmup_steps=2, val_fraction=0.3, precision="fp32",
                        vocab_size=320, embed_dim=24, hidden_dim=24, layers=1)
    TrainingRun(opts, events.append, device="cpu").run()
    kinds = {e["event"] for e in events}
    assert {"files", "data", "start", "eval", "progress", "sample", "checkpoint", "done"} <= kinds
    assert kinds <= set(KINDS)
    assert [problem for e in events for problem in check(e)] == []


def test_a_line_that_is_not_an_event_is_read_as_a_log_line():
    from lstm_tui.core.events import decode, encode

    status = {"event": "status", "message": "lecture d\u2019un fichier \u2014 caf\u00e9"}
    assert decode(encode(status)) == status and "\u2019" in encode(status)  # text as it is
    for line in ("a stray print", '{"event": "progress", "step": "x"}', '{"event": "from-a-newer-lstm-tui"}',
                 "[1, 2]"):
        assert decode(line) == {"event": "log", "message": line}

from lstm_tui.core.events import eval_line


def test_eval_line_names_both_weights_when_averaged():
    e = {"event": "eval", "step": 600, "val_bpb": 1.49791, "improved": True,
         "raw_bpb": 1.49791, "average_bpb": 1.49818}
    assert eval_line(e) == ("step 600: validation 1.4979 bits/byte (raw 1.4979, average 1.4982) "
                            "(best, saved)")
    parent = {"event": "eval", "step": 0, "val_bpb": 1.5, "improved": False, "parent": True}
    assert eval_line(parent, parent_label="parent model") == "parent model: validation 1.5000 bits/byte"

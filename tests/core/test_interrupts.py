import signal

import pytest

from lstm_tui.core.interrupts import deferred_interrupts


def test_ctrl_c_waits_for_the_block_then_acts():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # another test may have set one
    done = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with deferred_interrupts():
                signal.raise_signal(signal.SIGINT)
                done.append("the write finished")
        assert done == ["the write finished"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_handler_set_before_the_block_sees_the_signal_after_it():
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with deferred_interrupts():
            signal.raise_signal(signal.SIGTERM)
            assert seen == []
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)

enum fuzz_state { $FUZZ_STOPPED, FUZZ_RUNNING };

//! upgrade-conformance: replays scripted interactions against any implementation of the
//! upgrade APIs and checks responses and state transitions.

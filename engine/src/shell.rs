//! The engine's command shell (`kubectl`, `iptables-save`, ...), shared by the CLI and the
//! browser's terminal. Owned by the CLI work.

//! Connection tracking (placeholder while the packet module is built).

//! The one module that talks to the YAML library (saphyr). Owned by the manifest work.

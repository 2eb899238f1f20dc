#!/bin/sh
# One-shot (the `temporal-namespace` compose service, temporalio/admin-tools image): waits for the
# frontend, creates the namespace if it is missing and registers Stepline's search attributes
# (SteplineName, SteplineStatus: Keyword; the same ones the dev server registers, see
# src/dev/dev-server.ts). Safe to run again.
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${NAMESPACE_RETENTION:=72h}"

i=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -ge 60 ] && { echo "Temporal at $TEMPORAL_ADDRESS is not healthy"; exit 1; }
  sleep 2
done

if ! temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$TEMPORAL_NAMESPACE" \
    --retention "$NAMESPACE_RETENTION"
fi

for name in SteplineName SteplineStatus; do
  if ! temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" -n "$TEMPORAL_NAMESPACE" \
    | grep -q "$name"; then
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" -n "$TEMPORAL_NAMESPACE" \
      --name "$name" --type Keyword
  fi
done
echo "namespace $TEMPORAL_NAMESPACE ready with Stepline's search attributes"

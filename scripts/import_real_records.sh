#!/usr/bin/env bash
# Rebuild data/records/*.csv from the public archives listed in data/README.md's data log.
# Usage: scripts/import_real_records.sh [ARCHIVE_FOLDER]   (default ../shared/data/real)
# Every step is the project's own `incidents import FORMAT FILE --record ID`: running it
# again changes nothing (the merge is idempotent), and a fresh download of any of these feeds
# accumulates into the same record the same way.
set -euo pipefail
REAL="${1:-../shared/data/real}"
PY="${PYTHON:-.venv/bin/python}"
run() { "$PY" -m incidents import "$@" >/dev/null; }

run github-history "$REAL/github/github_status_history_2022-03_2026-08.jsonl" --record github-status-history

for file in "$REAL/google_cloud_incidents_2022-07-03.json" "$REAL"/google-cloud/incidents_*.json; do
  run gcloud "$file" --record google-cloud-status-history
  run gcloud "$file" --record google-cloud-status-multi-product
done

for vendor in cloudflare digitalocean; do
  for record in "$vendor-status-polls" "$vendor-status-polls-2026"; do
    run statuspage-polls "$REAL/polls/${vendor}_2020-11_2026-08.jsonl" --record "$record"
  done
done
for file in "$REAL"/polls/atlassian-*.jsonl; do
  run statuspage-polls "$file" --record atlassian-status-polls
  run statuspage-polls "$file" --record atlassian-status-polls-2026
done
run slack-polls "$REAL/polls/slack_2020-10_2024-02.jsonl" --record slack-status-polls

for file in "$REAL"/aws/status_data_*.json "$REAL/aws_status_data_2022-07-03.json"; do
  run aws-shd "$file" --record aws-service-health-dashboard
done
run aws-health "$REAL/aws/health_dashboard_events_2025-04_2026-04.json" --record aws-health-dashboard-events
run azure-pir "$REAL/azure/post_incident_reviews_2021-03_2026-04.json" --record microsoft-azure-post-incident-reviews

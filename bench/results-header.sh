# Sourced by the bench runners: results_header TITLE prints the heading and
# the machine and commit lines every results file starts with.
results_header() {
  local cpu
  cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
  echo "# $1, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(hostname -s), ${cpu:-unknown CPU}, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "- commit: $(git -C "$(dirname "${BASH_SOURCE[0]}")/.." rev-parse --short HEAD 2>/dev/null || echo unknown)"
}

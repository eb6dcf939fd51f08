#!/usr/bin/env bash
# Creates the virtual environment of the Python peers (bench/peers/python/.venv) that `spikegrad bench --peers`
# uses when it exists:
#   bench/peers/python/setup.sh                       # everything from PyPI (PyTorch from its CPU index)
#   bench/peers/python/setup.sh --torch /path/torch-2.13.0+cpu-cp311-…whl \
#       --source snntorch=/src/snntorch --source brainpy=/src/BrainPy …   # offline: wheels and source checkouts
# Options:
#   --python EXE       the interpreter to create the environment with (default python3; 3.11 or newer)
#   --torch SPEC       what to pip-install as PyTorch (default: torch from https://download.pytorch.org/whl/cpu)
#   --source NAME=DIR  install the package NAME from a local source checkout instead of PyPI; NAME is one of
#                      snntorch brainunit saiunit brainevent brainstate braintools brainpy_state brainpy
#   --venv DIR         where to create the environment (default bench/peers/python/.venv)
# Each framework is installed on its own: one that fails (say, BrainPy without network) is reported at the end
# and the other still works; the benchmark says which peers it could not run and why.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python=python3
venv="$here/.venv"
torch_spec=""
declare -A source=()
while [ $# -gt 0 ]; do
  case "$1" in
    --python) python="$2"; shift 2 ;;
    --torch) torch_spec="$2"; shift 2 ;;
    --venv) venv="$2"; shift 2 ;;
    --source)
      name="${2%%=*}"; dir="${2#*=}"
      if [ "$name" = "$2" ] || [ ! -d "$dir" ]; then echo "setup.sh: --source expects NAME=DIR with an existing folder, got '$2'" >&2; exit 2; fi
      source[$name]="$(cd "$dir" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { echo "setup.sh: $python is not Python 3.11 or newer" >&2; exit 2; }
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || { echo "setup.sh: cannot create a virtual environment in $venv" >&2; exit 1; }
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --upgrade pip setuptools wheel >/dev/null || echo "setup.sh: could not upgrade pip/setuptools (continuing with what the venv has)"
"${pip[@]}" install -r "$here/requirements.txt" || { echo "setup.sh: the common requirements (requirements.txt) failed to install" >&2; exit 1; }

failed=()
install() { # NAME: from --source if given, else from PyPI; dependencies come from requirements.txt and the steps before
  local name="$1"
  if [ -n "${source[$name]:-}" ]; then
    echo "setup.sh: $name from ${source[$name]}"
    "${pip[@]}" install --no-deps --no-build-isolation "${source[$name]}" || { failed+=("$name"); return 1; }
  else
    echo "setup.sh: $name from the package index"
    "${pip[@]}" install --no-deps "$name" || { failed+=("$name"); return 1; }
  fi
}

if [ -n "$torch_spec" ]; then "${pip[@]}" install "$torch_spec" || failed+=(torch)
else "${pip[@]}" install torch --index-url https://download.pytorch.org/whl/cpu || failed+=(torch); fi
install snntorch

# brainunit is published from the saiunit repository (its brainunit/ folder); a saiunit checkout serves both.
# Its pyproject.toml is made from a template with saiunit's version (as the repository's make_brainunit_setup.py
# does), in a temporary copy so that the checkout stays as it is.
if [ -n "${source[saiunit]:-}" ]; then
  install saiunit
  if [ -z "${source[brainunit]:-}" ] && [ -f "${source[saiunit]}/brainunit/pyproject.toml.template" ]; then
    unit_dir="$(mktemp -d)"
    cp -r "${source[saiunit]}/brainunit/." "$unit_dir/"
    version="$("$venv/bin/python" -c 'import re, sys; print(re.search(r"__version__\s*=\s*[\x27\x22]([^\x27\x22]+)", open(sys.argv[1]).read()).group(1))' "${source[saiunit]}/saiunit/_version.py")"
    sed -e "s/version = &/version = \"$version\"/" -e "s/saiunit==/saiunit==$version/" "$unit_dir/pyproject.toml.template" > "$unit_dir/pyproject.toml"
    source[brainunit]="$unit_dir"
  fi
fi
for name in brainunit brainevent brainstate braintools brainpy_state brainpy; do install "$name"; done

echo
"$venv/bin/python" "$here/peer.py" --versions
if [ ${#failed[@]} -gt 0 ]; then
  echo "setup.sh: could not install: ${failed[*]} (the peers that need them are skipped; see the messages above)" >&2
  exit 1
fi
echo "setup.sh: done; \`spikegrad bench --peers\` will run the Python peers from $venv"

#!/bin/sh
# Runs the model benchmark from the repository root: Sesame's additive model
# and WOE scorecard against XGBoost and scikit-learn's logistic regression on
# Taiwan, GMSC and HMEQ (see bench/model/README.md).
#
#   bench/model/run.sh [flags of go run ./bench/model]
set -eu
cd "$(dirname "$0")/../.."
if [ ! -d ../shared/data ]; then
	echo "bench/model: ../shared/data is absent; skipping (the benchmark needs the shared data sets)" >&2
	exit 0
fi
# Debian's interpreter and packages, never a virtualenv's python3.
if ! /usr/bin/python3 -c 'import xgboost, sklearn, pandas' 2>/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		echo "bench/model: installing python3-xgboost python3-sklearn python3-pandas" >&2
		apt-get install -y -qq python3-xgboost python3-sklearn python3-pandas >&2 ||
			{ apt-get update -qq >&2 && apt-get install -y -qq python3-xgboost python3-sklearn python3-pandas >&2; }
	else
		echo "bench/model: baselines need: apt-get install -y python3-xgboost python3-sklearn python3-pandas" >&2
		exec go run ./bench/model -no-python "$@"
	fi
fi
exec go run ./bench/model "$@"

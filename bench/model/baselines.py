"""Baselines for the model benchmark: XGBoost and scikit-learn's logistic
regression, trained on exactly the rows Sesame's harness wrote.

Prints one JSON object per model on stdout. Run with Debian's interpreter
(/usr/bin/python3) and packages python3-xgboost, python3-sklearn, python3-pandas.
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def metrics(y, p):
    fpr, tpr, _ = roc_curve(y, p)
    return {"auc": roc_auc_score(y, p), "ks": float(np.max(tpr - fpr)), "brier": brier_score_loss(y, p)}


def features(df, label, drop):
    x = df.drop(columns=[label] + [c for c in drop if c in df.columns])
    return x, df[label].astype(int).values


def main():
    ap = argparse.ArgumentParser()
    for name in ("fit", "valid", "train", "test", "label"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--drop", default="")
    ap.add_argument("--repeat", type=int, default=1, help="train this many times; report the fastest")
    ap.add_argument("--pairwise", action="store_true",
                    help="also train XGBoost tuned with depth-2 and depth-3 trees: the best models of pairs and of triples")
    a = ap.parse_args()
    drop = [c for c in a.drop.split(",") if c]
    fit, valid, train, test = (pd.read_csv(p) for p in (a.fit, a.valid, a.train, a.test))
    xf, yf = features(fit, a.label, drop)
    xv, yv = features(valid, a.label, drop)
    xt, yt = features(train, a.label, drop)
    xs, ys = features(test, a.label, drop)
    cats = [c for c in xf.columns if xf[c].dtype == object]
    nums = [c for c in xf.columns if c not in cats]

    # XGBoost: categories one-hot encoded on the union of levels, missing left
    # to XGBoost's default direction.
    allx = pd.get_dummies(pd.concat([xf, xv, xs]), columns=cats, dtype=float)
    nf, nv = len(xf), len(xv)
    configs = [
        ("XGBoost defaults", {}),
        ("XGBoost tuned", {"eta": 0.05, "max_depth": 4, "subsample": 0.8, "colsample_bytree": 0.8}),
    ]
    if a.pairwise:
        # A depth-2 tree splits on at most two features along each path, so
        # the sum of such trees is a sum of pair terms: the model class of
        # Sesame's additive model, fitted by unrestricted boosting. Depth 3
        # is the same for terms of three features: what adding triples to
        # the additive model could reach at best.
        for depth in (2, 3):
            configs.append(("XGBoost tuned, depth %d" % depth, {"eta": 0.05, "max_depth": depth, "subsample": 0.8,
                                                                "colsample_bytree": 0.8}))
    for name, extra in configs:
        seconds = float("inf")
        for _ in range(a.repeat):
            start = time.perf_counter()
            dfit = xgb.DMatrix(allx.iloc[:nf], label=yf, nthread=2)
            dval = xgb.DMatrix(allx.iloc[nf:nf + nv], label=yv, nthread=2)
            params = {"objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist",
                      "nthread": 2, "seed": 42, **extra}
            booster = xgb.train(params, dfit, num_boost_round=3000, evals=[(dval, "valid")],
                                early_stopping_rounds=50, verbose_eval=False)
            seconds = min(seconds, time.perf_counter() - start)
        p = booster.predict(xgb.DMatrix(allx.iloc[nf + nv:]), iteration_range=(0, booster.best_iteration + 1))
        print(json.dumps({"model": name, "seconds": seconds, "note": "%d rounds" % (booster.best_iteration + 1),
                          **metrics(ys, p)}))

    # Logistic regression on the whole 70%: median-imputed, standardised
    # numbers with missing indicators, one-hot categories.
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), nums),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                              OneHotEncoder(handle_unknown="ignore")), cats),
    ])
    seconds = float("inf")
    for _ in range(a.repeat):
        start = time.perf_counter()
        lr = make_pipeline(pre, LogisticRegression(max_iter=2000))
        lr.fit(xt, yt)
        seconds = min(seconds, time.perf_counter() - start)
    p = lr.predict_proba(xs)[:, 1]
    print(json.dumps({"model": "scikit-learn LogisticRegression", "seconds": seconds, **metrics(ys, p)}))


if __name__ == "__main__":
    main()

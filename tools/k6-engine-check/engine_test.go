package main

import (
	"net/url"
	"strings"
	"testing"
)

// k6's trend sink: linear interpolation at pct*(n-1).
func TestPercentileInterpolatesLikeK6(t *testing.T) {
	sorted := []float64{10, 20, 30, 40}
	for pct, want := range map[float64]float64{0: 10, 0.5: 25, 0.95: 38.5, 1: 40} {
		if got := percentile(sorted, pct); got != want {
			t.Errorf("percentile(%v) = %v, want %v", pct, got, want)
		}
	}
	if got := percentile(nil, 0.95); got != 0 {
		t.Errorf("percentile of no samples = %v, want 0", got)
	}
}

// k6 resolves relative to the importing file and guesses nothing.
func TestResolveURLKeepsTheSpecifierAsWritten(t *testing.T) {
	base := &url.URL{Scheme: "file", Path: "/repo/k6/end-to-end-test.ts"}
	cases := map[string]string{
		"./lib/config.ts":                "file:///repo/k6/lib/config.ts",
		"./lib/config":                   "file:///repo/k6/lib/config",
		"../../monitoring/config/slo.ts": "file:///monitoring/config/slo.ts",
		"/abs/x.ts":                      "file:///abs/x.ts",
	}
	for spec, want := range cases {
		got, err := resolveURL(base, spec)
		if err != nil || got.String() != want {
			t.Errorf("resolveURL(%q) = %v, %v; want %s", spec, got, err, want)
		}
	}
	for _, spec := range []string{"lodash", "node:fs", "https://example.com/x.js"} {
		if _, err := resolveURL(base, spec); err == nil {
			t.Errorf("resolveURL(%q) resolved; k6 (offline here) refuses it", spec)
		}
	}
}

// A .ts file that sobek cannot parse is type-stripped; a .js file is not.
func TestParseModuleStripsTypesOnlyForTS(t *testing.T) {
	src := "import type { Options } from 'k6/options';\nexport const options: Options = {};\nexport default function (): void {}\n"
	prg, err := parseModule(src, "file:///x.ts")
	if err != nil {
		t.Fatalf("parse .ts: %v", err)
	}
	if len(prg.ImportEntries) != 0 {
		t.Errorf("the type-only import survived stripping: %d import entries", len(prg.ImportEntries))
	}
	if _, err := parseModule(src, "file:///x.js"); err == nil || !strings.Contains(err.Error(), "Unexpected") {
		t.Errorf("parse .js with types: err = %v, want a syntax error", err)
	}
}

// k6's threshold aggregations per metric type.
func TestThresholdAggregations(t *testing.T) {
	if thresholdStatAllowed("trend", "count") || thresholdStatAllowed("rate", "count") || !thresholdStatAllowed("counter", "count") || !thresholdStatAllowed("trend", "p(99)") {
		t.Error("threshold aggregation table differs from k6's")
	}
}

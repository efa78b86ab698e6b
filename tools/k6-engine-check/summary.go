package main

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/grafana/sobek"
)

// thresholdResult is one threshold expression on one (sub)metric.
type thresholdResult struct {
	key, expr string
	ok        bool
	measured  float64
}

var thresholdExpr = regexp.MustCompile(`^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|==|===|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$`)
var thresholdKey = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)(\{(.*)\})?$`)

// percentile is k6's trend sink P(): linear interpolation between the sorted samples.
func percentile(sorted []float64, pct float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case pct <= 0:
		return sorted[0]
	case pct >= 1:
		return sorted[n-1]
	}
	i := pct * float64(n-1)
	l := int(i)
	if l+1 >= n {
		return sorted[n-1]
	}
	return sorted[l] + (sorted[l+1]-sorted[l])*(i-float64(l))
}

// values computes k6's summary values of one metric from its samples.
func values(typ string, samples []sample, trendStats []string, durationMs float64) map[string]float64 {
	out := map[string]float64{}
	vals := make([]float64, len(samples))
	sum := 0.0
	for i, s := range samples {
		vals[i] = s.value
		sum += s.value
	}
	switch typ {
	case "counter":
		out["count"] = sum
		out["rate"] = 0
		if durationMs > 0 {
			out["rate"] = sum / (durationMs / 1000)
		}
	case "rate":
		passes := 0.0
		for _, v := range vals {
			if v != 0 {
				passes++
			}
		}
		out["passes"], out["fails"], out["rate"] = passes, float64(len(vals))-passes, 0
		if len(vals) > 0 {
			out["rate"] = passes / float64(len(vals))
		}
	case "gauge":
		out["value"], out["min"], out["max"] = 0, 0, 0
		if len(vals) > 0 {
			out["value"], out["min"], out["max"] = vals[len(vals)-1], slicesMin(vals), slicesMax(vals)
		}
	case "trend":
		sorted := append([]float64(nil), vals...)
		sort.Float64s(sorted)
		for _, stat := range trendStats {
			switch {
			case stat == "avg":
				out[stat] = 0
				if len(sorted) > 0 {
					out[stat] = sum / float64(len(sorted))
				}
			case stat == "min":
				out[stat] = percentile(sorted, 0)
			case stat == "max":
				out[stat] = percentile(sorted, 1)
			case stat == "med":
				out[stat] = percentile(sorted, 0.5)
			case stat == "count":
				out[stat] = float64(len(sorted))
			case strings.HasPrefix(stat, "p(") && strings.HasSuffix(stat, ")"):
				p, err := strconv.ParseFloat(stat[2:len(stat)-1], 64)
				if err == nil {
					out[stat] = percentile(sorted, p/100)
				}
			}
		}
	}
	return out
}

func slicesMin(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

func slicesMax(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

// selectSamples keeps the samples of a submetric `name{tag:value,...}`.
func selectSamples(samples []sample, filter string) []sample {
	if filter == "" {
		return samples
	}
	want := map[string]string{}
	for _, part := range strings.Split(filter, ",") {
		k, v, _ := strings.Cut(part, ":")
		want[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	var out []sample
	for _, s := range samples {
		ok := true
		for k, v := range want {
			if s.tags[k] != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// thresholdStatAllowed is k6's table of threshold aggregations per metric type.
func thresholdStatAllowed(typ, stat string) bool {
	switch typ {
	case "counter":
		return stat == "count" || stat == "rate"
	case "gauge":
		return stat == "value"
	case "rate":
		return stat == "rate"
	default:
		return stat == "avg" || stat == "min" || stat == "max" || stat == "med" || strings.HasPrefix(stat, "p(")
	}
}

func compare(measured float64, op string, target float64) bool {
	switch op {
	case "<":
		return measured < target
	case "<=":
		return measured <= target
	case ">":
		return measured > target
	case ">=":
		return measured >= target
	case "==", "===":
		return measured == target
	default:
		return measured != target
	}
}

// summaryData evaluates the thresholds and builds the object k6 hands to handleSummary:
// metrics (type, contains, values, thresholds), state and options.
func summaryData(st *store, thresholds map[string][]string, trendStats []string, durationMs float64) (map[string]any, []thresholdResult, error) {
	metricsOut := map[string]any{}
	var results []thresholdResult
	entry := func(typ, contains string, samples []sample) map[string]any {
		return map[string]any{"type": typ, "contains": contains, "values": values(typ, samples, trendStats, durationMs)}
	}
	for _, name := range st.names() {
		m := st.metrics[name]
		if len(m.samples) > 0 {
			metricsOut[name] = entry(m.typ, m.contains, m.samples)
		}
	}
	keys := make([]string, 0, len(thresholds))
	for k := range thresholds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		parts := thresholdKey.FindStringSubmatch(key)
		if parts == nil {
			return nil, nil, fmt.Errorf("threshold key %q is not a metric name with an optional {tag:value} filter", key)
		}
		m, ok := st.metrics[parts[1]]
		if !ok {
			return nil, nil, fmt.Errorf("invalid threshold defined on %s: reason: no metric name %q found", key, parts[1])
		}
		samples := selectSamples(m.samples, parts[3])
		exprs := map[string]any{}
		for _, expr := range thresholds[key] {
			match := thresholdExpr.FindStringSubmatch(expr)
			if match == nil {
				return nil, nil, fmt.Errorf("threshold %q on %s cannot be parsed", expr, key)
			}
			if !thresholdStatAllowed(m.typ, match[1]) {
				return nil, nil, fmt.Errorf("threshold %q on %s: k6 has no %s aggregation for a %s metric", expr, key, match[1], m.typ)
			}
			v := values(m.typ, samples, []string{match[1]}, durationMs)
			measured, known := v[match[1]]
			if !known {
				return nil, nil, fmt.Errorf("threshold %q on %s: a %s metric has no %s", expr, key, m.typ, match[1])
			}
			target, _ := strconv.ParseFloat(match[4], 64)
			ok := compare(measured, match[3], target)
			results = append(results, thresholdResult{key: key, expr: expr, ok: ok, measured: measured})
			exprs[expr] = map[string]any{"ok": ok}
		}
		e, present := metricsOut[key].(map[string]any)
		if !present {
			e = entry(m.typ, m.contains, samples)
			metricsOut[key] = e
		}
		e["thresholds"] = exprs
	}
	data := map[string]any{
		"metrics":    metricsOut,
		"state":      map[string]any{"isStdOutTTY": false, "isStdErrTTY": false, "testRunDurationMs": durationMs},
		"options":    map[string]any{"summaryTrendStats": trendStats, "summaryTimeUnit": ""},
		"root_group": map[string]any{"name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e", "groups": []any{}, "checks": []any{}},
	}
	return data, results, nil
}

// writeOutputs does what k6 v1.3.0 does with handleSummary's result (internal/cmd/run.go,
// handleSummaryResult): "stdout"/"stderr" go to the terminal, every other key is a path opened
// with O_WRONLY|O_CREAT|O_TRUNC relative to the working directory. Nothing creates a missing
// folder: k6 does not.
func writeOutputs(rt *sobek.Runtime, result sobek.Value, stdout, stderr *os.File) error {
	if result == nil || sobek.IsUndefined(result) || sobek.IsNull(result) {
		return nil
	}
	obj := result.ToObject(rt)
	keys := obj.Keys()
	sort.Strings(keys)
	var errs []string
	for _, path := range keys {
		val := obj.Get(path)
		var data []byte
		switch exported := val.Export().(type) {
		case string:
			data = []byte(exported)
		case sobek.ArrayBuffer:
			data = exported.Bytes()
		default:
			errs = append(errs, fmt.Sprintf("handleSummary returned a %T for %q: k6 takes a string or an ArrayBuffer", exported, path))
			continue
		}
		var err error
		switch path {
		case "stdout":
			_, err = stdout.Write(data)
		case "stderr":
			_, err = stderr.Write(data)
		default:
			var f *os.File
			f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
			if err != nil {
				errs = append(errs, fmt.Sprintf("could not open '%s': %v", path, err))
				continue
			}
			_, err = f.Write(data)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("error saving summary to '%s': %v", path, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("failed to handle the end-of-test summary: %s", strings.Join(errs, "; "))
	}
	return nil
}

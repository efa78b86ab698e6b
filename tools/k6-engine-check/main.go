// k6-engine-check runs k6 scripts in k6's own JavaScript engine without k6: sobek (the engine
// k6 v1.3.0 embeds), esbuild type stripping with k6's options and k6's module resolution. It
// runs each script's init context, setup(), a few iterations of every scenario's function,
// teardown() and handleSummary(), whose files it writes the way k6 does (no folder is created),
// against stand-ins for k6, k6/http (real HTTP), k6/metrics and k6/execution. Any error fails.
//
//	k6-engine-check [-e KEY=VALUE]... [-vus 2] [-iterations 2] [-k6-exit-codes] script.ts...
//
// Exit: 0 all ran, 1 an error (init, setup, an iteration, teardown, handleSummary, writing its
// files), 2 bad arguments; with -k6-exit-codes, 99 when thresholds were crossed (as k6 does).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/grafana/sobek"
)

type envFlag map[string]string

func (e envFlag) String() string { return fmt.Sprint(map[string]string(e)) }
func (e envFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("-e %q: want KEY=VALUE", v)
	}
	e[k] = val
	return nil
}

type options struct {
	env        map[string]string
	vus        int
	iterations int
	k6Exit     bool
}

func main() {
	opts := options{env: envFlag{}}
	flag.Var(envFlag(opts.env), "e", "script environment variable KEY=VALUE (__ENV), repeatable")
	flag.IntVar(&opts.vus, "vus", 2, "VUs that run iterations (each has its own runtime, like k6)")
	flag.IntVar(&opts.iterations, "iterations", 2, "iterations per VU and scenario")
	flag.BoolVar(&opts.k6Exit, "k6-exit-codes", false, "exit 99 when a threshold is crossed, as k6 run does")
	flag.Parse()
	if flag.NArg() == 0 || opts.vus < 1 || opts.iterations < 1 {
		fmt.Fprintln(os.Stderr, "usage: k6-engine-check [-e KEY=VALUE]... [-vus N] [-iterations N] [-k6-exit-codes] script...")
		os.Exit(2)
	}
	code := 0
	for _, script := range flag.Args() {
		abs, err := filepath.Abs(script)
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", script, err)
			code = 1
			continue
		}
		crossed, err := checkScript(abs, opts)
		switch {
		case err != nil:
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", script, err)
			code = 1
		case len(crossed) > 0:
			fmt.Fprintf(os.Stderr, "ok %s (thresholds crossed: %s)\n", script, strings.Join(crossed, ", "))
			if opts.k6Exit && code == 0 {
				code = 99
			}
		default:
			fmt.Fprintf(os.Stderr, "ok %s\n", script)
		}
	}
	os.Exit(code)
}

type scenario struct {
	name, exec, executor string
	env                  map[string]string
	tags                 map[string]string
}

// scriptOptions is the part of `export const options` the check uses.
type scriptOptions struct {
	Scenarios map[string]struct {
		Exec     string            `json:"exec"`
		Executor string            `json:"executor"`
		Env      map[string]string `json:"env"`
		Tags     map[string]string `json:"tags"`
	} `json:"scenarios"`
	Thresholds        map[string]json.RawMessage `json:"thresholds"`
	SummaryTrendStats []string                   `json:"summaryTrendStats"`
}

func readOptions(v *vu) (scriptOptions, map[string][]string, error) {
	var so scriptOptions
	thresholds := map[string][]string{}
	val := v.export("options")
	if val == nil {
		return so, thresholds, nil
	}
	text, err := json.Marshal(val.Export())
	if err != nil {
		return so, nil, fmt.Errorf("options: %w", err)
	}
	if err := json.Unmarshal(text, &so); err != nil {
		return so, nil, fmt.Errorf("options: %w", err)
	}
	for key, raw := range so.Thresholds {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return so, nil, fmt.Errorf("thresholds[%q] is not a list", key)
		}
		for _, item := range list {
			var expr string
			if json.Unmarshal(item, &expr) != nil {
				var obj struct {
					Threshold string `json:"threshold"`
				}
				if json.Unmarshal(item, &obj) != nil || obj.Threshold == "" {
					return so, nil, fmt.Errorf("thresholds[%q]: %s is neither a string nor {threshold}", key, item)
				}
				expr = obj.Threshold
			}
			thresholds[key] = append(thresholds[key], expr)
		}
	}
	return so, thresholds, nil
}

func scenariosOf(so scriptOptions) []scenario {
	if len(so.Scenarios) == 0 {
		return []scenario{{name: "default", exec: "default", executor: "per-vu-iterations"}}
	}
	var out []scenario
	for name, s := range so.Scenarios {
		exec := s.Exec
		if exec == "" {
			exec = "default"
		}
		out = append(out, scenario{name: name, exec: exec, executor: s.Executor, env: s.Env, tags: s.Tags})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func checkScript(script string, opts options) ([]string, error) {
	st := newStore()
	_ = st.define("iterations", "counter", "default")
	_ = st.define("iteration_duration", "trend", "time")
	_ = st.define("vus", "gauge", "default")
	_ = st.define("vus_max", "gauge", "default")
	log := func(line string) { fmt.Fprintln(os.Stderr, line) }

	vu0, err := newVU(0, script, opts.env, st, log)
	if err != nil {
		return nil, fmt.Errorf("init context: %w", err)
	}
	so, thresholds, err := readOptions(vu0)
	if err != nil {
		return nil, err
	}
	trendStats := so.SummaryTrendStats
	if len(trendStats) == 0 {
		trendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}
	}
	for _, sc := range scenariosOf(so) {
		if fn, ok := sobek.AssertFunction(vu0.export(sc.exec)); !ok || fn == nil {
			return nil, fmt.Errorf("scenario %s runs %s(), which the script does not export as a function", sc.name, sc.exec)
		}
	}
	started := time.Now()

	// setup() runs once; its result reaches the VUs as JSON, as in k6.
	setupJSON := "null"
	if vu0.export("setup") != nil {
		_ = vu0.state.Set("group", "::setup")
		result, err := vu0.invoke("setup", "setup", nil)
		if err != nil {
			return nil, fmt.Errorf("setup(): %w", err)
		}
		if result != nil && !sobek.IsUndefined(result) {
			text, err := json.Marshal(result.Export())
			if err != nil {
				return nil, fmt.Errorf("setup() returned data that is not JSON: %w", err)
			}
			setupJSON = string(text)
		}
	}

	vus := make([]*vu, opts.vus)
	for i := range vus {
		v, err := newVU(int64(i+1), script, opts.env, st, log)
		if err != nil {
			return nil, fmt.Errorf("init context of VU %d: %w", i+1, err)
		}
		vus[i] = v
	}
	_ = st.add("vus_max", float64(opts.vus), map[string]string{})
	for _, sc := range scenariosOf(so) {
		for iter := 0; iter < opts.iterations; iter++ {
			for _, v := range vus {
				if err := v.iterate(sc, iter, setupJSON, opts.env, st); err != nil {
					return nil, err
				}
			}
		}
	}
	_ = st.add("vus", 0, map[string]string{})

	if vu0.export("teardown") != nil {
		_ = vu0.state.Set("group", "::teardown")
		if _, err := vu0.invoke("teardown", "teardown", parseJSON(vu0.rt, setupJSON)); err != nil {
			return nil, fmt.Errorf("teardown(): %w", err)
		}
	}
	durationMs := float64(time.Since(started)) / float64(time.Millisecond)
	data, results, err := summaryData(st, thresholds, trendStats, durationMs)
	if err != nil {
		return nil, err
	}
	var crossed []string
	for _, r := range results {
		if !r.ok {
			crossed = append(crossed, fmt.Sprintf("%s %s (measured %g)", r.key, r.expr, r.measured))
		}
	}
	if vu0.export("handleSummary") == nil {
		return crossed, nil
	}
	text, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	_ = vu0.state.Set("group", "")
	result, err := vu0.invoke("handleSummary", "summary", parseJSON(vu0.rt, string(text)))
	if err != nil {
		return nil, fmt.Errorf("handleSummary(): %w", err)
	}
	if err := writeOutputs(vu0.rt, result, os.Stdout, os.Stderr); err != nil {
		return nil, err
	}
	return crossed, nil
}

func parseJSON(rt *sobek.Runtime, text string) sobek.Value {
	parse, _ := sobek.AssertFunction(rt.GlobalObject().Get("JSON").ToObject(rt).Get("parse"))
	v, err := parse(sobek.Undefined(), rt.ToValue(text))
	if err != nil {
		panic(err)
	}
	return v
}

// iterate runs one iteration of a scenario on this VU; k6 logs an iteration's exception and
// goes on, the check fails on it.
func (v *vu) iterate(sc scenario, iter int, setupJSON string, env map[string]string, st *store) error {
	_ = v.rt.Set("__ITER", iter)
	envObj := v.rt.NewObject()
	for k, val := range env {
		_ = envObj.Set(k, val)
	}
	for k, val := range sc.env {
		_ = envObj.Set(k, val)
	}
	_ = v.rt.Set("__ENV", envObj)
	for k, val := range map[string]any{"group": "", "scenario": sc.name, "executor": sc.executor, "iteration": iter} {
		_ = v.state.Set(k, val)
	}
	started := time.Now()
	if _, err := v.invoke(sc.exec, "vu", parseJSON(v.rt, setupJSON)); err != nil {
		return fmt.Errorf("scenario %s, VU %d, iteration %d: %s(): %w", sc.name, v.state.Get("id").ToInteger(), iter, sc.exec, err)
	}
	tags := map[string]string{"group": "", "scenario": sc.name}
	for k, val := range sc.tags {
		tags[k] = val
	}
	_ = st.add("iteration_duration", float64(time.Since(started))/float64(time.Millisecond), tags)
	return st.add("iterations", 1, tags)
}

package main

import (
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/grafana/sobek"
)

//go:embed standins.js
var standinsSource string

// vuState is what the stand-ins read and the runner sets: k6's per-VU execution state.
type vuState struct {
	id        int64
	phase     string
	group     string
	scenario  string
	executor  string
	iteration int64
}

// vu is one k6 VU: its own sobek runtime with k6's globals, the script evaluated in it.
type vu struct {
	rt      *sobek.Runtime
	state   *sobek.Object
	exports sobek.ModuleInstance
	script  string
	pending *sobek.Promise
}

// newVU creates a runtime with k6 v1.3.0's globals (internal/js/bundle.go: __ENV, __VU, console,
// global, open, require; timers and crypto are named but unsupported here) and nothing else:
// no URL, TextEncoder, process, Buffer or performance, which Node has and k6 does not.
func newVU(id int64, script string, env map[string]string, st *store, log func(string)) (*vu, error) {
	rt := sobek.New()
	rt.SetFieldNameMapper(sobek.TagFieldNameMapper("json", true))
	v := &vu{rt: rt, script: script}
	state := rt.NewObject()
	for k, val := range map[string]any{"id": id, "phase": "init", "group": "", "scenario": "", "executor": "", "iteration": 0} {
		_ = state.Set(k, val)
	}
	v.state = state

	envObj := rt.NewObject()
	for k, val := range env {
		_ = envObj.Set(k, val)
	}
	_ = rt.Set("__ENV", envObj)
	_ = rt.Set("__VU", id)
	_ = rt.Set("__ITER", 0)
	console := rt.NewObject()
	for _, level := range []string{"log", "info", "warn", "error", "debug"} {
		lvl := level
		_ = console.Set(lvl, func(call sobek.FunctionCall) sobek.Value {
			parts := ""
			for i, a := range call.Arguments {
				if i > 0 {
					parts += " "
				}
				parts += a.String()
			}
			log(fmt.Sprintf("console.%s (VU %d): %s", lvl, id, parts))
			return sobek.Undefined()
		})
	}
	_ = rt.Set("console", console)
	_ = rt.GlobalObject().DefineAccessorProperty("global", rt.ToValue(func() sobek.Value { return rt.GlobalObject() }), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	scriptDir := filepath.Dir(script)
	_ = rt.Set("open", func(name string, mode ...string) (sobek.Value, error) {
		if state.Get("phase").String() != "init" {
			return nil, errors.New("The \"open\" function is only available in the init stage (i.e. the global scope)")
		}
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(scriptDir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if len(mode) > 0 && mode[0] == "b" {
			return rt.ToValue(rt.NewArrayBuffer(data)), nil
		}
		return rt.ToValue(string(data)), nil
	})
	for _, name := range []string{"setTimeout", "setInterval", "clearTimeout", "clearInterval", "crypto"} {
		n := name
		_ = rt.Set(n, func() error { return fmt.Errorf("%s exists in k6 but not in the engine check's stand-ins", n) })
	}
	for _, name := range []string{"module", "exports"} {
		n := name
		warn := rt.ToValue(func() error {
			return fmt.Errorf("you are trying to access identifier %q, this likely is due to mixing ECMAScript Modules (ESM) and CommonJS syntax", n)
		})
		_ = rt.GlobalObject().DefineAccessorProperty(n, warn, warn, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
	}

	native := rt.NewObject()
	_ = native.Set("define", func(name, typ, contains string) error { return st.define(name, typ, contains) })
	_ = native.Set("add", func(name string, value float64, tags map[string]string) error { return st.add(name, value, tags) })
	_ = native.Set("request", func(method, target, body string, headers map[string]string, timeoutMs float64) sobek.Value {
		return rt.ToValue(doRequest(method, target, body, headers, time.Duration(timeoutMs*float64(time.Millisecond))))
	})
	factory, err := rt.RunScript("standins.js", standinsSource)
	if err != nil {
		return nil, fmt.Errorf("stand-ins: %w", err)
	}
	build, _ := sobek.AssertFunction(factory)
	var modulesObj *sobek.Object
	builtin := func(name string) func() *sobek.Object {
		return func() *sobek.Object {
			if modulesObj == nil {
				res, err := build(sobek.Undefined(), native, state)
				if err != nil {
					panic(rt.NewGoError(err))
				}
				modulesObj = res.ToObject(rt)
			}
			return modulesObj.Get(name).ToObject(rt)
		}
	}
	builtins := map[string]func() *sobek.Object{}
	for _, name := range []string{"k6", "k6/http", "k6/metrics", "k6/execution"} {
		builtins[name] = builtin(name)
	}

	mainURL := &url.URL{Scheme: "file", Path: script}
	res := newResolver(mainURL, builtins)
	_ = rt.Set("require", func(name string) (sobek.Value, error) {
		if state.Get("phase").String() != "init" {
			return nil, errors.New("the \"require\" function is only available in the init stage")
		}
		if b, ok := builtins[name]; ok {
			return b(), nil
		}
		return nil, fmt.Errorf("require(%q): the engine check loads only k6 modules with require", name)
	})

	var mod sobek.ModuleRecord
	run := func() error {
		m, err := res.resolve(nil, script)
		if err != nil {
			return err
		}
		mod = m
		if err := m.Link(); err != nil {
			return err
		}
		cyclic, ok := m.(sobek.CyclicModuleRecord)
		if !ok {
			return fmt.Errorf("%s did not load as an ES module", script)
		}
		promise := rt.CyclicModuleRecordEvaluate(cyclic, res.resolve)
		v.pending = promise
		return nil
	}
	if err := v.call(run); err != nil {
		return nil, err
	}
	switch v.pending.State() {
	case sobek.PromiseStateRejected:
		return nil, describe(v.pending.Result())
	case sobek.PromiseStatePending:
		return nil, errors.New("the init context did not finish (top-level await on something that never settles?)")
	}
	v.exports = rt.GetModuleInstance(mod)
	return v, nil
}

// call runs fn inside a JS call, so sobek runs the promise jobs it queued when it returns.
func (v *vu) call(fn func() error) error {
	wrapped, _ := sobek.AssertFunction(v.rt.ToValue(fn))
	_, err := wrapped(sobek.Undefined())
	return err
}

func describe(value sobek.Value) error {
	if value == nil {
		return errors.New("rejected with no value")
	}
	if obj, ok := value.(*sobek.Object); ok {
		// Error objects: "Name: message" plus sobek's stack, when it has one as a string.
		text := obj.String()
		if stack, ok := obj.Get("stack").Export().(string); ok && stack != "" {
			text = stack
		}
		return errors.New(text)
	}
	if err, ok := value.Export().(error); ok {
		return err
	}
	return errors.New(value.String())
}

// export returns the script's export `name`, or nil.
func (v *vu) export(name string) sobek.Value {
	val := v.exports.GetBindingValue(name)
	if val == nil || sobek.IsUndefined(val) {
		return nil
	}
	return val
}

// invoke calls an exported function in the given phase; a returned promise is awaited.
func (v *vu) invoke(name, phase string, arg sobek.Value) (sobek.Value, error) {
	fnVal := v.export(name)
	fn, ok := sobek.AssertFunction(fnVal)
	if !ok {
		return nil, fmt.Errorf("the script exports no function %q", name)
	}
	_ = v.state.Set("phase", phase)
	var result sobek.Value
	err := v.call(func() error {
		var err error
		if arg == nil {
			result, err = fn(sobek.Undefined())
		} else {
			result, err = fn(sobek.Undefined(), arg)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if p, ok := result.Export().(*sobek.Promise); ok {
		switch p.State() {
		case sobek.PromiseStateRejected:
			return nil, describe(p.Result())
		case sobek.PromiseStatePending:
			return nil, fmt.Errorf("%s() returned a promise that never settled", name)
		}
		return p.Result(), nil
	}
	return result, nil
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/grafana/sobek"
)

// resolver loads modules the way k6 v1.3.0 does (js/modules/resolution.go, internal/loader):
// "k6" and "k6/..." are built-in modules (here: stand-ins), a specifier starting with '.' or '/'
// is a URL relative to the importing file, read from disk exactly as written (no extension or
// index guessing), and a bare name is refused: k6 has no node_modules lookup.
type resolver struct {
	builtins map[string]func() *sobek.Object
	cache    map[string]sobek.ModuleRecord
	errs     map[string]error
	where    map[sobek.ModuleRecord]*url.URL
	main     *url.URL
}

func newResolver(main *url.URL, builtins map[string]func() *sobek.Object) *resolver {
	return &resolver{builtins: builtins, cache: map[string]sobek.ModuleRecord{}, errs: map[string]error{}, where: map[sobek.ModuleRecord]*url.URL{}, main: main}
}

// resolve is sobek's HostResolveImportedModule.
func (r *resolver) resolve(referrer any, specifier string) (sobek.ModuleRecord, error) {
	if specifier == "k6" || strings.HasPrefix(specifier, "k6/") {
		if mod, ok := r.cache[specifier]; ok {
			return mod, nil
		}
		build, ok := r.builtins[specifier]
		if !ok {
			return nil, fmt.Errorf("unknown module: %s (the engine check has stand-ins for k6, k6/http, k6/metrics and k6/execution only)", specifier)
		}
		mod := &objectModule{build: build}
		r.cache[specifier] = mod
		return mod, nil
	}
	base := r.main
	if rec, ok := referrer.(sobek.ModuleRecord); ok && r.where[rec] != nil {
		base = r.where[rec]
	}
	target, err := resolveURL(base, specifier)
	if err != nil {
		return nil, err
	}
	key := target.String()
	if mod, ok := r.cache[key]; ok {
		return mod, nil
	}
	if err, ok := r.errs[key]; ok {
		return nil, err
	}
	mod, err := r.load(target, specifier)
	if err != nil {
		r.errs[key] = err
		return nil, err
	}
	r.cache[key] = mod
	r.where[mod] = target
	return mod, nil
}

func (r *resolver) load(target *url.URL, specifier string) (sobek.ModuleRecord, error) {
	data, err := os.ReadFile(target.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("The moduleSpecifier %q couldn't be found on local disk. "+
			"(k6 reads %s exactly as written: no extension or index file is guessed)", specifier, target.Path)
	}
	if err != nil {
		return nil, err
	}
	prg, err := parseModule(string(data), target.String())
	if err != nil {
		return nil, err
	}
	if !isESM(prg) {
		return nil, fmt.Errorf("%s is not an ES module (no import or export); k6 would run it as CommonJS, which this check does not support", target.Path)
	}
	return sobek.ModuleFromAST(prg, r.resolve)
}

// resolveURL is k6's loader.Resolve for local files; remote modules are refused (offline suite).
func resolveURL(base *url.URL, specifier string) (*url.URL, error) {
	switch {
	case specifier == "":
		return nil, errors.New("local or remote path required")
	case specifier[0] == '.' || specifier[0] == '/':
		dir := *base
		dir.Path = dir.Path[:strings.LastIndex(dir.Path, "/")+1]
		return dir.Parse(specifier)
	case strings.Contains(specifier, "://"):
		u, err := url.Parse(specifier)
		if err != nil {
			return nil, err
		}
		if u.Scheme != "file" {
			return nil, fmt.Errorf("remote module %s: the engine check runs offline", specifier)
		}
		return u, nil
	default:
		return nil, fmt.Errorf("The moduleSpecifier %q couldn't be recognized as something k6 supports: "+
			"k6 resolves k6/ modules, relative or absolute paths and URLs, never package names or Node built-ins", specifier)
	}
}

// objectModule exposes a JS object's properties as a module's named exports and the object
// itself as the default export, like k6's basicGoModule.
type objectModule struct {
	build func() *sobek.Object
	obj   *sobek.Object
}

func (m *objectModule) object() *sobek.Object {
	if m.obj == nil {
		m.obj = m.build()
	}
	return m.obj
}

func (m *objectModule) Link() error                  { return nil }
func (m *objectModule) InitializeEnvironment() error { return nil }
func (m *objectModule) RequestedModules() []string   { return nil }
func (m *objectModule) Evaluate(*sobek.Runtime) *sobek.Promise {
	panic("objectModule is evaluated by its importer")
}
func (m *objectModule) Instantiate(*sobek.Runtime) (sobek.CyclicModuleInstance, error) {
	return &objectInstance{obj: m.object()}, nil
}
func (m *objectModule) ResolveExport(name string, _ ...sobek.ResolveSetElement) (*sobek.ResolvedBinding, bool) {
	if name != "default" && m.object().Get(name) == nil {
		return nil, false
	}
	return &sobek.ResolvedBinding{Module: m, BindingName: name}, false
}
func (m *objectModule) GetExportedNames(callback func([]string), _ ...sobek.ModuleRecord) bool {
	callback(m.object().Keys())
	return true
}

type objectInstance struct{ obj *sobek.Object }

func (i *objectInstance) GetBindingValue(name string) sobek.Value {
	if name == "default" {
		return i.obj
	}
	return i.obj.Get(name)
}
func (i *objectInstance) HasTLA() bool { return false }
func (i *objectInstance) ExecuteModule(*sobek.Runtime, func(any) error, func(any) error) (sobek.CyclicModuleInstance, error) {
	return i, nil
}

package main

import (
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/grafana/sobek/ast"
	"github.com/grafana/sobek/file"
	"github.com/grafana/sobek/parser"
)

// parseModule does what k6 v1.3.0 does with a local file (internal/js/compiler): parse it as an
// ES module with sobek; when that fails and the name ends in .ts, strip the types with esbuild
// (k6's transform options, below) and parse the result.
func parseModule(src, filename string) (*ast.Program, error) {
	prg, err := parser.ParseFile(nil, filename, src, 0, parser.WithDisableSourceMaps, parser.IsModule)
	if err == nil {
		return prg, nil
	}
	if !strings.HasSuffix(filename, ".ts") {
		return nil, err
	}
	code, stripErr := stripTypes(src, filename)
	if stripErr != nil {
		return nil, stripErr
	}
	return parser.ParseFile(nil, filename, code, 0, parser.WithDisableSourceMaps, parser.IsModule)
}

// stripTypes is k6's compiler.StripTypes: the same esbuild TransformOptions, so what esbuild
// keeps, drops or refuses here is what it does inside k6.
func stripTypes(src, filename string) (string, error) {
	result := api.Transform(src, api.TransformOptions{
		Loader:         api.LoaderTS,
		Sourcefile:     filename,
		Target:         api.ESNext,
		Format:         api.FormatDefault,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentInclude,
		LegalComments:  api.LegalCommentsNone,
		Platform:       api.PlatformNeutral,
		LogLevel:       api.LogLevelSilent,
		Charset:        api.CharsetUTF8,
	})
	if len(result.Errors) > 0 {
		msg := result.Errors[0]
		perr := &parser.Error{Message: msg.Text}
		if msg.Location != nil {
			perr.Position = file.Position{Filename: msg.Location.File, Line: msg.Location.Line, Column: msg.Location.Column}
		}
		return "", perr
	}
	return string(result.Code), nil
}

// isESM is k6's test for whether a parsed file is an ES module.
func isESM(prg *ast.Program) bool {
	return len(prg.ExportEntries) > 0 || len(prg.ImportEntries) > 0 || prg.HasTLA
}

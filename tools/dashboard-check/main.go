// dashboard-check validates Grafana dashboard JSON files with the Grafana Foundation SDK's Go
// types: a strict unmarshal (unknown fields, wrong types and missing required fields are errors;
// panel options and queries are decoded by their plugin's types) followed by the SDK's Validate.
//
//	go run . FILE.json...
//
// Prints one line per file and exits 1 when any file fails.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// failure turns the SDK's empty cog.BuildErrors (returned as a non-nil error) into nil.
func failure(err error) error {
	var errs cog.BuildErrors
	if errors.As(err, &errs) && len(errs) == 0 {
		return nil
	}
	return err
}

func check(path string) (uint16, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var d dashboard.Dashboard
	if err := failure(d.UnmarshalJSONStrict(raw)); err != nil {
		return 0, fmt.Errorf("strict unmarshal: %w", err)
	}
	if err := failure(d.Validate()); err != nil {
		return 0, fmt.Errorf("validate: %w", err)
	}
	return d.SchemaVersion, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dashboard-check FILE.json...")
		os.Exit(2)
	}
	// Panel options, field configs and queries decode into their plugin's types.
	plugins.RegisterDefaultPlugins()
	failed := 0
	for _, path := range os.Args[1:] {
		version, err := check(path)
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", path, err)
			continue
		}
		fmt.Printf("ok   %s (schemaVersion %d)\n", path, version)
	}
	if failed > 0 {
		os.Exit(1)
	}
}

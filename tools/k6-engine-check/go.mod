module grpc-pool-observability/tools/k6-engine-check

go 1.23.0

require (
	github.com/evanw/esbuild v0.25.9
	github.com/grafana/sobek v0.0.0-20250723111835-dd8a13f0d439
)

require (
	github.com/dlclark/regexp2 v1.11.4 // indirect
	github.com/go-sourcemap/sourcemap v2.1.4+incompatible // indirect
	github.com/google/pprof v0.0.0-20230207041349-798e818bf904 // indirect
	golang.org/x/sys v0.35.0 // indirect
	golang.org/x/text v0.28.0 // indirect
)

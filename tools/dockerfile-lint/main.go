// dockerfile-lint checks Dockerfiles with BuildKit's own linter, the checks `docker build --check` runs
// (github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb.DockerfileLint), without a Docker engine or a
// registry: base images are not fetched, their metadata is an empty image config (so checks that need a base
// image's real config, such as its platform, see none). scripts/ensure-go-tool.mjs builds it from the Go
// module proxy and caches it under ~/.cache/revoker/; test/image.test.ts runs it on the Dockerfile.
//
// Usage: dockerfile-lint <Dockerfile>... — one line per finding, `file:line: RuleName: detail (url)`; exit 1
// when any file has a finding or does not parse, 2 on bad usage.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/opencontainers/go-digest"
)

// offlineResolver answers every base image with an empty Linux image config: no network.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	config := []byte(`{"architecture":"amd64","os":"linux","config":{}}`)
	return ref, digest.FromBytes(config), config, nil
}

func lint(path string) (int, error) {
	dt, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sourceMap := llb.NewSourceMap(nil, path, "Dockerfile", dt)
	// The lint results carry their source as an LLB definition; an empty one is all a report needs.
	sourceMap.Definition = &llb.Definition{}
	results, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{
		Config:       dockerui.Config{},
		MetaResolver: offlineResolver{},
		SourceMap:    sourceMap,
	})
	if err != nil {
		return 0, err
	}
	found := 0
	for _, warning := range results.Warnings {
		line := 0
		if warning.Location != nil && len(warning.Location.Ranges) > 0 {
			line = int(warning.Location.Ranges[0].Start.Line)
		}
		fmt.Printf("%s:%d: %s: %s (%s)\n", path, line, warning.RuleName, warning.Detail, warning.URL)
		found++
	}
	if results.Error != nil {
		line := 0
		if len(results.Error.Location.Ranges) > 0 {
			line = int(results.Error.Location.Ranges[0].Start.Line)
		}
		fmt.Printf("%s:%d: error: %s\n", path, line, results.Error.Message)
		found++
	}
	return found, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-lint <Dockerfile>...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		found, err := lint(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
			continue
		}
		if found > 0 {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

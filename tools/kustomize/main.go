// kustomize builds a kustomization as `kustomize build` (and `kubectl apply -k`) does, with the kustomize API
// (sigs.k8s.io/kustomize/api/krusty), and prints the objects as YAML. scripts/ensure-go-tool.mjs builds it from the
// Go module proxy and caches it under ~/.cache/revoker/; test/deploy-manifests.test.ts builds deploy/manifests with it.
//
// Usage: kustomize <dir> — the objects on stdout; an error on stderr and exit 1; exit 2 on bad usage.
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kustomize <dir>")
		os.Exit(2)
	}
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	out, err := resources.AsYaml()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

// Package regions embeds the region configurations a deployment serves. Add a
// region by adding its JSON file here; no code names a region.
package regions

import (
	"embed"
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/region"
)

// FS holds every *.json region file of this folder.
//
//go:embed *.json
var FS embed.FS

// Registry reads every embedded region (tests and tools), checked as the
// service checks them at start.
func Registry() (*region.Registry, error) {
	rs, err := region.LoadFS(FS)
	if err != nil {
		return nil, err
	}
	return region.NewRegistry(rs...)
}

// Load reads one embedded region by its id.
func Load(id string) (*region.Region, error) {
	reg, err := Registry()
	if err != nil {
		return nil, err
	}
	r, ok := reg.Get(id)
	if !ok {
		return nil, fmt.Errorf("region %q is not embedded", id)
	}
	return r, nil
}

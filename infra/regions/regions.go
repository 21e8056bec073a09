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

// Load reads one embedded region by its id (tests and tools); the region
// is checked as the service checks every region at start.
func Load(id string) (*region.Region, error) {
	rs, err := region.LoadFS(FS)
	if err != nil {
		return nil, err
	}
	reg, err := region.NewRegistry(rs...)
	if err != nil {
		return nil, err
	}
	r, ok := reg.Get(id)
	if !ok {
		return nil, fmt.Errorf("region %q is not embedded", id)
	}
	return r, nil
}

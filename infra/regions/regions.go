// Package regions embeds the region configurations a deployment serves. Add a
// region by adding its JSON file here; no code names a region.
package regions

import "embed"

// FS holds every *.json region file of this folder.
//
//go:embed *.json
var FS embed.FS

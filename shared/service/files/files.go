// Package files is the partners' files: an upload started with a
// presigned URL, the file validated when it lands (a CSV becomes a version
// through the same path as a JSON PUT; a published statement is checked to
// be a PDF), and its outcome read back.
package files

import (
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
)

// Service is the files' use cases over the shared core.
type Service struct {
	*service.Service
	// submissions takes an accepted CSV as a new version.
	submissions *submissions.Service
	// uploads holds the partners' files (its own bucket in AWS).
	uploads blob.Store
	// stored is told of each file the pages store (OnFileStored).
	stored arrival
}

// New builds the files' use cases over the uploads bucket.
func New(core *service.Service, subs *submissions.Service, uploads blob.Store) *Service {
	return &Service{Service: core, submissions: subs, uploads: uploads}
}

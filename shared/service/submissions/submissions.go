// Package submissions is the partners' returns: a new version of any of the
// four kinds (validated, versioned, locked periods refused, one
// transaction), reading it back, its versions and the current ones, and a
// quarterly return's sign-off.
package submissions

import "github.com/regional-data-exchange/rdx/shared/service"

// Service is the submissions' use cases over the shared core.
type Service struct {
	*service.Service
}

// New builds the submissions' use cases.
func New(core *service.Service) *Service { return &Service{Service: core} }

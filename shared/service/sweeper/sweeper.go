// Package sweeper finishes background work that stopped: an upload whose
// file never arrived or whose validation never finished, an export whose
// build never started or never finished, once the retries that could still
// finish it are over (service/work.go). It runs on a schedule (the sweeper
// function deployed, a loop in the local servers) and reads one partition,
// the listing of unfinished work; each item it finishes is failed with a
// reason the partner or government reads, logged at error and counted.
package sweeper

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/exports"
	"github.com/regional-data-exchange/rdx/shared/service/files"
)

// Service is the sweep over the capabilities that run background work.
type Service struct {
	*service.Service
	files   *files.Service
	exports *exports.Service
}

// New builds the sweep.
func New(core *service.Service, f *files.Service, x *exports.Service) *Service {
	return &Service{Service: core, files: f, exports: x}
}

// Report is what one sweep did.
type Report struct {
	// Overdue counts the items listed past their due time.
	Overdue int
	// Failed counts, by kind of work, the items it finished as failed.
	Failed map[string]int
}

// Sweep finishes as failed every unfinished item past its due time (one
// finished or taken over meanwhile is left as it is). An item it could not
// look at is named in the error and left for the next sweep.
func (s *Service) Sweep(ctx context.Context) (Report, error) {
	r := Report{Failed: map[string]int{}}
	items, err := s.OverdueWork(ctx, s.Clock())
	if err != nil {
		return r, err
	}
	r.Overdue = len(items)
	var errs []error
	for _, w := range items {
		var reason string
		switch w.Kind {
		case service.WorkUpload:
			reason, err = s.files.SweepUpload(ctx, w)
		case service.WorkExport:
			reason, err = s.exports.SweepExport(ctx, w)
		default:
			err = errors.New("unknown kind of work")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", w.Kind, w.ID, err))
		} else if reason != "" {
			r.Failed[w.Kind]++
		}
	}
	if r.Failed[service.WorkUpload]+r.Failed[service.WorkExport] > 0 {
		s.Log.ErrorContext(ctx, "stuck background work finished as failed", "uploads", r.Failed[service.WorkUpload], "exports", r.Failed[service.WorkExport], "overdue", r.Overdue)
	}
	err = errors.Join(errs...)
	if err != nil {
		s.Log.ErrorContext(ctx, "sweep", "error", err)
	}
	return r, err
}

// Every sweeps every interval until ctx ends or stop is called; stop
// returns once the last sweep has.
func (s *Service) Every(ctx context.Context, interval time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.Sweep(ctx) // its failures are logged; the next sweep tries again
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

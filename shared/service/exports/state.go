package exports

import (
	"context"
)

// ExportState is the state of the export whose job object is jobKey
// (building, ready, failed): what its build left it in, for the job's
// outcome in the logs and metrics. An object that is no job is "ignored",
// as RunExport leaves it.
func (s *Service) ExportState(ctx context.Context, jobKey string) (string, error) {
	id, ok := exportJobID(jobKey)
	if !ok {
		return "ignored", nil
	}
	rec, _, err := s.exportRecord(ctx, id)
	if err != nil {
		return "", err
	}
	return rec.State, nil
}

package files

import (
	"context"
)

// UploadState is the state of the upload whose object is key (pending,
// validating, accepted, rejected): what its validation left it in, for the
// job's outcome in the logs and metrics. An object that is no upload's is
// "ignored", as UploadArrived leaves it.
func (s *Service) UploadState(ctx context.Context, key string) (string, error) {
	region, partner, id, ok := parseUploadKey(key)
	if !ok {
		return "ignored", nil
	}
	rec, _, err := s.upload(ctx, region, partner, id)
	if err != nil {
		return "", err
	}
	return rec.State, nil
}

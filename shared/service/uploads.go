package service

import (
	"context"
	"strings"
	"time"
)

// UploadRecord is a file a partner uploads through a presigned URL.
type UploadRecord struct {
	ID        string    `json:"id"`
	Purpose   string    `json:"purpose"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"createdAt"`
}

func uploadSK(id string) string { return "UPLOAD#" + id }

// UploadArrived is told that an object landed in the uploads bucket (S3
// ObjectCreated in AWS, the local server's presigned PUT locally). An object
// no upload was started for is logged and left alone.
func (s *Service) UploadArrived(ctx context.Context, bucket, key string) error {
	region, partner, id, ok := parseUploadKey(key)
	if !ok {
		s.log.WarnContext(ctx, "object is not an upload", "bucket", bucket, "key", key)
		return nil
	}
	_, err := s.table.Get(ctx, partnerPK(region, partner), uploadSK(id))
	if isNotFound(err) {
		s.log.WarnContext(ctx, "object for an unknown upload", "bucket", bucket, "key", key)
		return nil
	}
	return storeErr(err, "read upload")
}

// parseUploadKey reads an upload's object key: uploads/{region}/{partner}/{id}.
func parseUploadKey(key string) (region, partner, id string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 4 || parts[0] != "uploads" || parts[1] == "" || parts[2] == "" || parts[3] == "" {
		return "", "", "", false
	}
	return parts[1], parts[2], parts[3], true
}

package service

import "time"

// UploadRecord is a file a partner uploads through a presigned URL.
type UploadRecord struct {
	ID        string    `json:"id"`
	Purpose   string    `json:"purpose"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"createdAt"`
}

func uploadSK(id string) string { return "UPLOAD#" + id }

package testnet

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
)

// Upload sends a multipart form with a file (streamed from content) and
// text fields to the node's client API as the user.
func (u *User) Upload(path, fileName string, content []byte, fields map[string]string) *Response {
	u.Node.t.Helper()
	return u.Multipart("POST", "/api/v1"+path, map[string][]byte{"file": content}, fileName, fields)
}

// Multipart sends a multipart form with files (field name → content, each
// named fileName) and text fields to a path of the node, as the user.
func (u *User) Multipart(method, path string, files map[string][]byte, fileName string, fields map[string]string) *Response {
	u.Node.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		var err error
		for k, v := range fields {
			if err == nil {
				err = mw.WriteField(k, v)
			}
		}
		for field, content := range files {
			var fw io.Writer
			if err == nil {
				fw, err = mw.CreateFormFile(field, fileName)
			}
			if err == nil {
				_, err = io.Copy(fw, bytes.NewReader(content))
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(method, u.Node.URL+path, pr)
	if err != nil {
		u.Node.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		u.Node.t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

package caldav

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"
)

func tlsServer(t *testing.T) *httptest.Server {
	srv := httptest.NewUnstartedServer(&caldav.Handler{Backend: &memBackend{objects: map[string]*ical.Calendar{}}})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// --caldav-ca: the server's CA given as a PEM file is trusted on top of
// the system roots; without it the error points to the option.
func TestCAFile(t *testing.T) {
	srv := tlsServer(t)
	creds := Credentials{User: testUser, Password: testPassword}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	plain, _ := New(Options{Credentials: creds})
	_, err := plain.Resolve(ctx, srv.URL+"/")
	var cv *tls.CertificateVerificationError
	if !errors.As(err, &cv) || !strings.Contains(err.Error(), "--caldav-ca") || Temporary(err) {
		t.Errorf("without the CA: %v; want a permanent certificate error naming --caldav-ca", err)
	}
	c, err := New(Options{Credentials: creds, CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Resolve(ctx, srv.URL+"/"); err != nil || !strings.HasSuffix(got, workPath) {
		t.Errorf("with --caldav-ca: %s %v", got, err)
	}
	if _, err := New(Options{CAFile: filepath.Join(t.TempDir(), "missing.pem")}); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("missing CA file: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	if _, err := New(Options{CAFile: junk}); err == nil || !strings.Contains(err.Error(), "junk.pem") {
		t.Errorf("CA file without certificates: %v", err)
	}
	if _, err := New(Options{CAFile: ca, HTTP: &http.Client{Transport: roundTripFunc(nil)}}); err == nil {
		t.Error("CAFile with a transport it cannot configure: no error")
	}
}

// --caldav-tls skip-verify: any certificate is accepted, but credentials
// go only to this machine.
func TestTLSSkipVerify(t *testing.T) {
	srv := tlsServer(t)
	ctx := context.Background()
	creds := Credentials{User: testUser, Password: testPassword}
	c, err := New(Options{Credentials: creds, TLSSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Resolve(ctx, srv.URL+"/"); err != nil || !strings.HasSuffix(got, workPath) {
		t.Errorf("skip-verify to loopback: %s %v", got, err)
	}
	// cal.example.com is dialled at the test server: a remote host by name.
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	dials := 0
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		dials++
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	remote, _ := New(Options{Credentials: creds, TLSSkipVerify: true, HTTP: &http.Client{Transport: tr}})
	_, err = remote.Resolve(ctx, "https://cal.example.com:"+port+"/")
	if !errors.Is(err, ErrSkipVerify) || dials != 0 {
		t.Errorf("skip-verify with credentials to a remote host: %v (%d dials); want ErrSkipVerify, nothing sent", err, dials)
	}
	anon, _ := New(Options{TLSSkipVerify: true, HTTP: &http.Client{Transport: tr}})
	if _, err := anon.Resolve(ctx, "https://cal.example.com:"+port+"/"); errors.Is(err, ErrSkipVerify) || dials == 0 {
		t.Errorf("skip-verify without credentials: %v (%d dials); want the request sent", err, dials)
	}
}

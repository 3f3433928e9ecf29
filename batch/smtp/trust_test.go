package smtp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mms-project/mms/batch/smtp"
)

// testCA is a CA made for one test, written as PEM to CAFile.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	CAFile string
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mms test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, CAFile: file}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// issue signs a server certificate for the names (IP addresses or DNS names).
func (ca *testCA) issue(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func tlsRelay(t *testing.T, cert tls.Certificate, users map[string]string) *relay {
	return (&relay{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, Users: users}).start(t)
}

func TestCAFileVerifiesTheRelay(t *testing.T) {
	ca := newCA(t)
	r := tlsRelay(t, ca.issue(t, "127.0.0.1"), nil)
	s := newSender(t, smtp.Options{Addr: r.Addr, CAFile: ca.CAFile})
	send(t, s, "a@example.com")
	if got := r.Arrived(); len(got) != 1 || !got[0].TLS {
		t.Fatalf("arrived %+v, want one message over TLS", got)
	}
}

func TestUntrustedRelayErrorNamesTheFlags(t *testing.T) {
	ca := newCA(t)
	r := tlsRelay(t, ca.issue(t, "127.0.0.1"), nil)
	s := newSender(t, smtp.Options{Addr: r.Addr}) // the test CA is in no system roots
	_, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrTLS) || !smtp.Stops(err) {
		t.Fatalf("err = %v, want ErrTLS", err)
	}
	for _, want := range []string{"--smtp-ca", "MMS_SMTP_CA", "--smtp-tls-name", "--smtp-tls skip-verify", "x509"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "system roots") {
		t.Errorf("error %q still asks for the system roots", err)
	}
}

func TestTLSNameVerifiesARelayReachedByAddress(t *testing.T) {
	ca := newCA(t)
	r := tlsRelay(t, ca.issue(t, "relay.corp.example"), nil)
	s := newSender(t, smtp.Options{Addr: r.Addr, CAFile: ca.CAFile})
	_, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg)
	if !errors.Is(err, smtp.ErrTLS) || !strings.Contains(err.Error(), "--smtp-tls-name") {
		t.Fatalf("without the name: err = %v, want ErrTLS pointing to --smtp-tls-name", err)
	}
	s = newSender(t, smtp.Options{Addr: r.Addr, CAFile: ca.CAFile, TLSName: "relay.corp.example"})
	send(t, s, "a@example.com")
	if got := r.Arrived(); len(got) != 1 || !got[0].TLS {
		t.Fatalf("arrived %+v, want one message over TLS", got)
	}
	s = newSender(t, smtp.Options{Addr: r.Addr, CAFile: ca.CAFile, TLSName: "other.corp.example"})
	if _, err := s.Send(context.Background(), from, []string{"a@example.com"}, msg); !errors.Is(err, smtp.ErrTLS) {
		t.Errorf("a wrong name: err = %v, want ErrTLS", err)
	}
}

func TestSkipVerifyAcceptsAnyCertificate(t *testing.T) {
	cert, _ := selfSigned(t)
	r := tlsRelay(t, cert, map[string]string{"mms": "pw"})
	s := newSender(t, smtp.Options{Addr: r.Addr, TLS: smtp.TLSSkipVerify, User: "mms", Password: "pw"})
	send(t, s, "a@example.com")
	if got := r.Arrived(); len(got) != 1 || !got[0].TLS || got[0].User != "mms" {
		t.Fatalf("arrived %+v, want one message over TLS as mms", got)
	}
}

func TestSkipVerifyWithCredentialsOnlyToLoopback(t *testing.T) {
	for _, addr := range []string{"relay.example.com:587", "192.0.2.7:25", "[2001:db8::1]:25"} {
		_, err := smtp.New(smtp.Options{Addr: addr, TLS: smtp.TLSSkipVerify, User: "mms", Password: "pw"})
		if err == nil || !strings.Contains(err.Error(), "skip-verify") || !strings.Contains(err.Error(), "--smtp-ca") {
			t.Errorf("%s: err = %v, want a refusal naming skip-verify and --smtp-ca", addr, err)
		}
		if _, err := smtp.New(smtp.Options{Addr: addr, TLS: smtp.TLSSkipVerify}); err != nil {
			t.Errorf("%s without credentials: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:25", "[::1]:25", "localhost:25"} {
		if _, err := smtp.New(smtp.Options{Addr: addr, TLS: smtp.TLSSkipVerify, User: "mms", Password: "pw"}); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

func TestParseTLSMode(t *testing.T) {
	for in, want := range map[string]smtp.TLSMode{"": smtp.TLSVerify, "verify": smtp.TLSVerify, "skip-verify": smtp.TLSSkipVerify} {
		if got, err := smtp.ParseTLSMode(in); got != want || err != nil {
			t.Errorf("ParseTLSMode(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"none", "insecure", "Skip-Verify"} {
		if _, err := smtp.ParseTLSMode(in); err == nil || !strings.Contains(err.Error(), "skip-verify") {
			t.Errorf("ParseTLSMode(%q): err = %v", in, err)
		}
		if _, err := smtp.New(smtp.Options{Addr: "relay:25", TLS: smtp.TLSMode(in)}); err == nil {
			t.Errorf("New accepted TLS mode %q", in)
		}
	}
}

func TestBadCAFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.der")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{notPEM: "no PEM certificate", filepath.Join(dir, "missing.pem"): "missing.pem"} {
		_, err := smtp.New(smtp.Options{Addr: "relay:25", CAFile: file})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--smtp-ca") {
			t.Errorf("CAFile %s: err = %v, want one saying %q", file, err, want)
		}
	}
}

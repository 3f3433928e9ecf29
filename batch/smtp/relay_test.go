package smtp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// arrived is one message as the relay received it.
type arrived struct {
	From string
	To   []string
	Data []byte
	Conn int  // 1-based number of the connection it came on
	TLS  bool // the connection was encrypted
	User string
	Body gosmtp.BodyType // BODY= of MAIL FROM
	UTF8 bool            // MAIL FROM said SMTPUTF8
}

// relay is go-smtp's server on 127.0.0.1 with a backend that records what
// arrived and lets a test answer MAIL, RCPT and DATA as a relay would.
type relay struct {
	Addr string
	TLS  *tls.Config // set before start: offer STARTTLS
	UTF8 bool        // set before start: offer SMTPUTF8
	// Users enables AUTH PLAIN with these passwords.
	Users map[string]string
	// Hooks; nil accepts. tx counts MAIL commands from 1.
	OnMail  func(tx int) error
	OnRcpt  func(tx int, to string) error
	OnData  func(tx int, c *gosmtp.Conn) error
	Discard bool // count messages instead of keeping them (benchmarks)

	srv     *gosmtp.Server
	mu      sync.Mutex
	arrived []arrived
	tx      int
	conns   int // accepted so far
	open    int
	maxOpen int
	live    []net.Conn
}

func (r *relay) start(t testing.TB) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.Addr = ln.Addr().String()
	r.srv = gosmtp.NewServer(gosmtp.BackendFunc(r.newSession))
	r.srv.Domain = "relay.test"
	r.srv.AllowInsecureAuth = true // loopback tests; the client decides
	r.srv.TLSConfig = r.TLS
	r.srv.EnableSMTPUTF8 = r.UTF8
	r.srv.ReadTimeout, r.srv.WriteTimeout = 10*time.Second, 10*time.Second
	go r.srv.Serve(&countingListener{Listener: ln, r: r})
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *relay) Arrived() []arrived {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]arrived(nil), r.arrived...)
}

func (r *relay) Conns() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

func (r *relay) MaxOpen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxOpen
}

// DropAll closes every open connection, as a relay does with idle ones.
func (r *relay) DropAll() {
	r.mu.Lock()
	live := r.live
	r.live = nil
	r.mu.Unlock()
	for _, c := range live {
		c.Close()
	}
}

func (r *relay) newSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	return &relaySession{r: r, c: c}, nil
}

type relaySession struct {
	r    *relay
	c    *gosmtp.Conn
	tx   int
	from string
	to   []string
	user string
	opts gosmtp.MailOptions
}

func (s *relaySession) AuthMechanisms() []string {
	if s.r.Users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *relaySession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if want, ok := s.r.Users[user]; !ok || want != pass {
			return gosmtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *relaySession) Mail(from string, o *gosmtp.MailOptions) error {
	if s.r.Users != nil && s.user == "" {
		return gosmtp.ErrAuthRequired
	}
	s.r.mu.Lock()
	s.r.tx++
	s.tx = s.r.tx
	s.r.mu.Unlock()
	if s.r.OnMail != nil {
		if err := s.r.OnMail(s.tx); err != nil {
			return err
		}
	}
	s.from = from
	if o != nil {
		s.opts = *o
	}
	return nil
}

func (s *relaySession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.r.OnRcpt != nil {
		if err := s.r.OnRcpt(s.tx, to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	if s.r.OnData != nil {
		if err := s.r.OnData(s.tx, s.c); err != nil {
			return err
		}
	}
	_, isTLS := s.c.TLSConnectionState()
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.Discard {
		b = nil
	}
	s.r.arrived = append(s.r.arrived, arrived{
		From: s.from, To: s.to, Data: b, Conn: connID(s.c.Conn()), TLS: isTLS, User: s.user,
		Body: s.opts.Body, UTF8: s.opts.UTF8,
	})
	return nil
}

func (s *relaySession) Reset()        { s.from, s.to, s.opts = "", nil, gosmtp.MailOptions{} }
func (s *relaySession) Logout() error { return nil }

// countingListener numbers connections and tracks how many are open.
type countingListener struct {
	net.Listener
	r *relay
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns++
	r.open++
	r.maxOpen = max(r.maxOpen, r.open)
	cc := &countedConn{Conn: c, id: r.conns, r: r}
	r.live = append(r.live, cc)
	return cc, nil
}

type countedConn struct {
	net.Conn
	id   int
	r    *relay
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.r.mu.Lock()
		c.r.open--
		c.r.mu.Unlock()
	})
	return c.Conn.Close()
}

func connID(c net.Conn) int {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if cc, ok := c.(*countedConn); ok {
		return cc.id
	}
	return 0
}

// selfSigned is a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "relay.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// code is an SMTP answer a hook returns.
func code(c int, msg string) error {
	return &gosmtp.SMTPError{Code: c, EnhancedCode: gosmtp.EnhancedCodeNotSet, Message: msg}
}

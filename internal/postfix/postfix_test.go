package postfix

import (
	"strings"
	"testing"
)

func TestScriptOutputToServer(t *testing.T) {
	out := "export MMS_TEST_POSTFIX='smtp://127.0.0.1:58525'\nexport MMS_TEST_POSTFIX_CA='/d/tls/ca.pem'\n" +
		"export MMS_TEST_POSTFIX_TLS_NAME='relay.mms.test'\nexport MMS_TEST_POSTFIX_MAILDIR='/d/mail/catchall'\n" +
		"export MMS_TEST_POSTFIX_USER='mms-test'\nexport MMS_TEST_POSTFIX_PASSWORD='pw'\n"
	vars, err := parseExports([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	s, err := fromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := Server{URL: "smtp://127.0.0.1:58525", Addr: "127.0.0.1:58525", CAFile: "/d/tls/ca.pem", TLSName: "relay.mms.test",
		Maildir: "/d/mail/catchall", User: "mms-test", Password: "pw"}
	if *s != want {
		t.Errorf("got %+v, want %+v", *s, want)
	}
	delete(vars, "MMS_TEST_POSTFIX_CA")
	if _, err := fromEnv(func(k string) string { return vars[k] }); err == nil || !strings.Contains(err.Error(), "MMS_TEST_POSTFIX_CA") {
		t.Errorf("a variable missing: err = %v, want one naming it", err)
	}
	if _, err := parseExports([]byte("postfix: warning\n")); err == nil {
		t.Error("a stray line accepted")
	}
}

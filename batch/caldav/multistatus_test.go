package caldav

import (
	"encoding/xml"
	"strings"
	"testing"
)

// An XML parser turns CR LF in text into LF; decodeMultistatus must not.
func TestDecodeMultistatusKeepsCR(t *testing.T) {
	const data = "BEGIN:VCALENDAR\r\nDESCRIPTION:a\r\n  b\r\nEND:VCALENDAR\r\n"
	for name, body := range map[string]string{
		"escaped text": `<?xml version="1.0"?>` + "\r\n" + `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">` + "\r\n" +
			`<d:response><d:href>/c/a.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag>` +
			`<c:calendar-data>` + data + `</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`,
		"cdata": `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response>` +
			`<d:href>/c/a.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag>` +
			`<c:calendar-data><![CDATA[` + data + `]]></c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`,
		"attribute with > and comment": `<!-- a > b` + "\r\n" + ` --><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"` + "\r\n" + ` x="1>2"><d:response>` +
			`<d:href>/c/a.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag>` +
			`<c:calendar-data content-type="text/calendar">` + data + `</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`,
	} {
		t.Run(name, func(t *testing.T) {
			var plain struct {
				Data string `xml:"response>propstat>prop>calendar-data"`
			}
			if err := xml.Unmarshal([]byte(body), &plain); err == nil && plain.Data == data {
				t.Fatalf("encoding/xml kept the CRs itself; this test no longer tests anything")
			}
			fs, err := decodeMultistatus([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].data == nil || *fs[0].data != data || *fs[0].etag != `"1"` {
				t.Fatalf("decoded %+v, want the data byte for byte", fs)
			}
		})
	}
}

// A failed propstat or response status leaves no data behind.
func TestDecodeMultistatusStatus(t *testing.T) {
	body := `<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<response><href>/c/a.ics</href><propstat><prop><getetag>"1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat>` +
		`<propstat><prop><C:calendar-data/></prop><status>HTTP/1.1 404 Not Found</status></propstat></response>` +
		`<response><href>/c/b.ics</href><status>HTTP/1.1 403 Forbidden</status></response></multistatus>`
	fs, err := decodeMultistatus([]byte(body))
	if err != nil || len(fs) != 2 {
		t.Fatalf("%v %v", fs, err)
	}
	if fs[0].etag == nil || fs[0].data != nil {
		t.Errorf("a.ics: etag %v data %v; want the etag and no data", fs[0].etag, fs[0].data)
	}
	if fs[1].etag != nil || fs[1].data != nil {
		t.Errorf("b.ics: a 403 response must carry nothing")
	}
}

// protectCR never panics and changes nothing without a CR.
func FuzzProtectCR(f *testing.F) {
	f.Add([]byte("<a>\r\n<![CDATA[x\ry]]></a>"))
	f.Add([]byte("<![CDATA[ab"))
	f.Add([]byte("<a b='>\r'>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := protectCR(b)
		if !strings.ContainsRune(string(b), '\r') && string(out) != string(b) {
			t.Fatalf("changed input without CR: %q -> %q", b, out)
		}
	})
}

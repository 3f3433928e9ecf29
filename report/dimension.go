package report

import (
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"

	"github.com/xuri/excelize/v2"
)

// A sheet written by excelize's stream writer says its size is one cell
// (<dimension ref="A1"/>): the element comes before the rows, which are
// not known yet. Readers that trust it (openpyxl's read-only mode) see an
// empty sheet. dimensionZip writes each sheet's real range into it as the
// workbook's zip is written, from sheet names to ranges.
type dimensionZip struct {
	excelize.ZipWriter
	refs map[string]string // by part name, xl/worksheets/sheetN.xml
	cur  *dimensionWriter  // the part being written, flushed at the next
}

// newDimensionZip maps the ranges of sheets, by name, onto their parts.
func newDimensionZip(zw excelize.ZipWriter, f *excelize.File, ranges map[string]string) *dimensionZip {
	refs := map[string]string{}
	for id, name := range f.GetSheetMap() {
		if r, ok := ranges[name]; ok {
			refs[fmt.Sprintf("xl/worksheets/sheet%d.xml", id)] = r
		}
	}
	return &dimensionZip{ZipWriter: zw, refs: refs}
}

func (z *dimensionZip) Create(name string) (io.Writer, error) {
	if err := z.flush(); err != nil {
		return nil, err
	}
	w, err := z.ZipWriter.Create(name)
	if err != nil {
		return nil, err
	}
	ref, ok := z.refs[name]
	if !ok {
		return w, nil
	}
	z.cur = &dimensionWriter{w: w, ref: ref}
	return z.cur, nil
}

func (z *dimensionZip) AddFS(fsys fs.FS) error {
	if err := z.flush(); err != nil {
		return err
	}
	return z.ZipWriter.AddFS(fsys)
}

func (z *dimensionZip) Close() error {
	if err := z.flush(); err != nil {
		return err
	}
	return z.ZipWriter.Close()
}

func (z *dimensionZip) flush() error {
	if z.cur == nil {
		return nil
	}
	err := z.cur.done()
	z.cur = nil
	return err
}

// dimensionWriter holds back the start of a sheet's XML until the one-cell
// dimension is in it, writes the range there, and passes the rest on.
type dimensionWriter struct {
	w      io.Writer
	ref    string
	head   []byte
	passed bool // the dimension is written (or was not where expected)
}

// dimensionHeadBytes bounds how far into a sheet the dimension is looked
// for: it follows the XML declaration and the sheet's properties.
const dimensionHeadBytes = 8 << 10

// oneCell is the dimension excelize writes, as the XML encoder writes it.
var oneCell = regexp.MustCompile(`<dimension ref="A1"\s*(?:/>|></dimension>)`)

func (d *dimensionWriter) Write(p []byte) (int, error) {
	if d.passed {
		return d.w.Write(p)
	}
	d.head = append(d.head, p...)
	if !d.replace() && len(d.head) < dimensionHeadBytes {
		return len(p), nil
	}
	d.passed = true
	_, err := d.w.Write(d.head)
	d.head = nil
	return len(p), err
}

// done writes what is held back of a short sheet.
func (d *dimensionWriter) done() error {
	if d.passed || len(d.head) == 0 {
		return nil
	}
	d.passed = true
	d.replace()
	_, err := d.w.Write(d.head)
	return err
}

// replace writes the range into the dimension held back, if it is there.
func (d *dimensionWriter) replace() bool {
	at := oneCell.FindIndex(d.head)
	if at == nil {
		return false
	}
	d.head = slices.Concat(d.head[:at[0]], []byte(`<dimension ref="`+d.ref+`"/>`), d.head[at[1]:])
	return true
}

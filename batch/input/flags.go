package input

// CheckChangeFlags checks the values that flags give in place of a
// changes row's cells (mms start's --join-url and --conference-id) by the
// changes file's rules, each problem named by its flag ("--join-url
// "ftp://x" is not an http(s) URL like ...").
func CheckChangeFlags(joinURL, conference string) []string {
	var re rowErrors
	webURL(&re, "join_url", joinURL)
	conferenceID(&re, conference)
	var problems []string
	for _, e := range re.errs {
		flag := map[string]string{"join_url": "--join-url", "conference_id": "--conference-id"}[e.Column]
		problems = append(problems, flag+" "+e.Msg)
	}
	return problems
}

// ConferenceIDOf is a conference ID as a changes row keeps it: its digits
// ("555 000 111#" is 555000111); "" when CheckChangeFlags refuses it.
func ConferenceIDOf(v string) string {
	var re rowErrors
	return conferenceID(&re, v)
}

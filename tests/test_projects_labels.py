from django.utils import translation

from projects.templatetags.project_labels import deliverable_status_label


def test_checklist_status_codes_read_as_words_in_both_languages() -> None:
    with translation.override("en"):
        assert deliverable_status_label("done") == "Done"
        assert deliverable_status_label("unknown-code") == "unknown-code"
    with translation.override("zh-hans"):
        assert deliverable_status_label("done") != "Done"

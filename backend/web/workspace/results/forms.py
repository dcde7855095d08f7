"""Forms of the results pages (结果应用): the answer to a rectification (text and evidence
files) and to a feedback item. The services check the text; the files are checked here (type,
size) and stored by ``store_document``."""

from __future__ import annotations

from django import forms

from backend.web.forms import PlainForm
from backend.web.workspace.results.uploads import MAX_FILES, EvidenceFiles

TEXT_LIMIT = 5000


class RespondForm(PlainForm):
    text = forms.CharField(
        label="整改情况",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="说明已采取的整改措施和取得的效果。",
    )
    # A declared field: the form metaclass moves it to base_fields, so ``self.files`` stays the
    # uploads Django binds (the stubs see a class attribute over BaseForm.files).
    files = EvidenceFiles(  # type: ignore[assignment]
        label="佐证材料",
        help_text=f"可选多个文件（至多 {MAX_FILES} 个），PDF、OFD、JPG、PNG、Word、Excel 或 ZIP，"
        "单个不超过 10 MB。",
    )


class AnswerForm(PlainForm):
    text = forms.CharField(
        label="回复内容", max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 4})
    )


class ActionForm(PlainForm):
    """A button's form (no fields): the service's problems land on top."""

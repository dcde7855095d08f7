"""Forms of 单位与用户. They carry raw values to the services (``tenants.services``,
``backend.accounts.services``), which do the checking."""

from __future__ import annotations

from typing import Any

from django import forms

from backend.accounts.models import Role
from backend.web.forms import PlainForm
from backend.web.imports import XLSX_MAGIC, head_of
from tenants.models import UnitLevel


def _text(label: str, *, required: bool = True, max_length: int = 200, **kwargs: Any) -> Any:
    return forms.CharField(
        label=label, required=required, max_length=max_length, strip=True, **kwargs
    )


class UnitSearchForm(PlainForm):
    q = _text("搜索", required=False, max_length=100)
    parent = forms.SlugField(required=False, max_length=63)


class UnitForm(PlainForm):
    code = _text(
        "单位代码",
        max_length=63,
        help_text="小写字母、数字和连字符，以字母开头，如 lengshuijiang；"
        "同时作为该院的访问地址和数据库模式名，创建后不能修改。",
    )
    name = _text("单位名称", max_length=100, help_text="如 冷水江市人民检察院")
    level = forms.ChoiceField(label="层级", choices=UnitLevel.choices, initial=UnitLevel.COUNTY)
    parent_code = _text(
        "上级院代码",
        required=False,
        max_length=63,
        help_text="省级院不填；市级院填省级院代码，基层院填市级院代码。",
    )
    region = _text("行政区划", required=False, max_length=100)


class ImportForm(PlainForm):
    file = forms.FileField(
        label="单位表",
        help_text="CSV（UTF-8）或 Excel（.xlsx），不超过 2 MB；第一行为列名 code,name,level,"
        "parent_code,region（或 单位代码,单位名称,层级,上级代码,行政区划）。上级院须在其下级之前。",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        head = head_of(upload)
        name = (upload.name or "").lower()
        if name.endswith(".xlsx"):
            if head != XLSX_MAGIC:
                raise forms.ValidationError("文件不是有效的 Excel（.xlsx）文件。")
        elif not name.endswith(".csv"):
            raise forms.ValidationError("文件类型不正确：请上传 CSV 或 Excel（.xlsx）文件。")
        return upload


class ApplyImportForm(PlainForm):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)


class UserSearchForm(PlainForm):
    q = _text("搜索", required=False, max_length=100)
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=(("", "全部"), ("active", "已启用"), ("inactive", "已停用")),
    )


ROLE_CHOICES = [("", "请选择角色"), *Role.choices]


class UserForm(PlainForm):
    username = _text("用户名", max_length=150, help_text="登录用，字母、数字和 @ . + - _")
    full_name = _text("姓名", required=False, max_length=100)
    email = _text("电子邮箱", required=False, max_length=254)
    password = forms.CharField(
        label="初始密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，不能过于常见；请告知本人登录后自行修改。",
    )
    unit = _text(
        "所在单位", required=False, max_length=100, help_text="单位代码或全称，可稍后再授予"
    )
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES, required=False)


class GrantToUserForm(PlainForm):
    """On a user's page: a role at a unit named by code or full name."""

    unit = _text("单位", max_length=100, help_text="单位代码或全称，如 lengshuijiang")
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)


class GrantAtUnitForm(PlainForm):
    """On a unit's page: a role for a user named by user name."""

    username = _text("用户名", max_length=150)
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)


class PasswordForm(PlainForm):
    password = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，不能过于常见。",
    )


class ActiveForm(PlainForm):
    active = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AnonymiseForm(PlainForm):
    """匿名化: irreversible, so the user's username is typed to confirm."""

    confirm = _text("确认用户名", required=False, max_length=150)

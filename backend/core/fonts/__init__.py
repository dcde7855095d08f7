"""The CJK font every generated PDF and PNG uses, shipped with the code so that Chinese renders
on any machine (README.md beside this file says where it comes from and how it was cut)."""

from pathlib import Path

CJK_FONT_PATH = Path(__file__).with_name("jixiao-cjk.ttf")
CJK_FONT_NAME = "JixiaoCJK"

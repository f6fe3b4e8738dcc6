import time, asyncio, json
from pathlib import Path
from bot.content.loader import load_content
from bot.menu import main_menu
from bot.telegram import render
from aiogram.types import Message, Update
from aiogram.methods.base import Response
from bot.telegram.address import AddressBook
def best(fn, n=2000):
    res=[]
    for _ in range(5):
        t=time.perf_counter()
        for _ in range(n): fn()
        res.append((time.perf_counter()-t)/n*1e6)
    return round(min(res),1)
c = load_content(Path("content"))
menu = main_menu(c, "ru")
kb = render.keyboard.__wrapped__
print("keyboard build us", best(lambda: kb(menu.buttons)))
markup = kb(menu.buttons).model_dump(exclude_none=True)
resp = {"ok": True, "result": {"message_id": 5, "from": {"id": 1, "is_bot": True, "first_name": "b"}, "chat": {"id": 7, "type": "private", "first_name": "x"}, "date": 1790000000, "text": menu.text, "reply_markup": markup}}
raw = json.dumps(resp)
R = Response[Message]
print("response parse with kb us", best(lambda: R.model_validate(json.loads(raw))))
resp2 = dict(resp); resp2["result"] = {k:v for k,v in resp["result"].items() if k!="reply_markup"}
raw2 = json.dumps(resp2)
print("response parse no kb us", best(lambda: R.model_validate(json.loads(raw2))))
upd = {"update_id": 1, "message": {"message_id": 3, "from": {"id": 7, "is_bot": False, "first_name": "x", "language_code": "ru"}, "chat": {"id": 7, "type": "private", "first_name": "x"}, "date": 1790000000, "text": "как проверить агентство"}}
print("update parse us", best(lambda: Update.model_validate(upd)))
cb = {"update_id": 2, "callback_query": {"id": "1", "from": upd["message"]["from"], "chat_instance": "1", "data": "v1:m:menu", "message": resp["result"]}}
print("callback update parse us", best(lambda: Update.model_validate(cb)))
ab = AddressBook("x"*32)
print("seal us", best(lambda: ab.seal(7)))
from bot.identity import user_key
print("user_key us", best(lambda: user_key("x"*32, 7)))

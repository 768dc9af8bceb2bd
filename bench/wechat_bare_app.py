from fastapi import FastAPI, Request, Response

app = FastAPI()
XML = "<xml><ToUserName><![CDATA[o]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[用过的纸巾属于其他垃圾]]></Content></xml>"


@app.post("/wechat")
async def wechat(request: Request) -> Response:
    await request.body()
    return Response(XML, media_type="application/xml")


@app.get("/healthz")
def h():
    return {"status": "ok"}

def register(observer):
    return observer

def notify(:

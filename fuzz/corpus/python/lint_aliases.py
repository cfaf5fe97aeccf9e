import torch
L = torch.load
from pickle import *
loads(b)
exec(llm.invoke(p).content)

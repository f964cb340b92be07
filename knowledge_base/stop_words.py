"""Words dropped from queries and the index: they say nothing about what is asked
(English and Chinese, with what customers add around a question)."""

from __future__ import annotations

EN_STOP_WORDS = frozenset(
    [
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in", "is",
        "it", "may", "of", "on", "or", "that", "the", "this", "to", "us", "we", "will", "with", "yet",
        "you", "your", "i", "me", "my", "mine", "our", "do", "does", "did", "how", "what", "why", "where",
        "when", "which", "who", "whom", "can't", "cant", "cannot", "don't", "dont", "doesn't", "doesnt",
        "didn't", "didnt", "isn't", "isnt", "won't", "wont", "im", "i'm", "ive", "i've", "would", "could",
        "should", "please", "help", "need", "want", "wanted", "like", "there", "any", "some", "so", "just",
        "about", "been", "was", "were", "am", "get", "got", "getting", "has", "had", "it's", "its", "they",
        "them", "their", "he", "she", "his", "her", "there's", "here",
        # what customers add around the question: greetings, contractions, fillers
        "hi", "hello", "hey", "thanks", "thank", "pls", "plz", "u", "ur", "i'd", "i'll", "you're",
        "we're", "they're", "that's", "what's", "it'll", "also", "really", "even", "guys", "anymore",
        "something", "anything", "somebody", "someone", "then", "but", "because", "very", "ok", "okay",
    ]
)
ZH_STOP_WORDS = frozenset(
    [
        "的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "我", "我的", "你", "您", "你们", "我们", "在",
        "是", "怎么", "怎么办", "怎样", "如何", "为什么", "什么", "哪里", "哪儿", "哪", "能", "可以",
        "能不能", "一下", "请问", "有", "和", "与", "或", "这", "那", "这个", "那个", "个", "就",
        "都", "也", "还", "要", "想", "把", "被", "对", "了吗", "么", "该", "应该", "办",
        # 客户在问题前后加的话：问候、语气、连接词
        "你好", "您好", "谢谢", "麻烦", "到底", "然后", "但是", "可是", "就是", "而且", "所以", "因为",
        "的话", "时候", "一下子", "这样", "那样", "这种", "自己",
    ]
)
